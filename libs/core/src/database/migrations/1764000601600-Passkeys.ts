import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (WebAuthn) as a factor kind of mfa_factors. Unlike an authenticator app or a phone, a
 * user may have several, so the one-per-(user, kind) rule now holds for totp and sms only. A
 * passkey row carries its credential id (base64url, unique across users), the COSE public key,
 * the signature counter, a name and when it was last used; it is confirmed when stored.
 *
 * The 2FA summary counts passkeys; a passkey is a strong factor (phishing-resistant), so it sets
 * the level's "authenticator" part: 0 none, 1 SMS, 2 authenticator app or passkey, 3 with SMS too.
 *
 * mfa_webauthn_challenges holds the random challenges handed to the browser: single-use
 * (consumed by DELETE ... RETURNING) and short-lived.
 */
export class Passkeys1764000601600 implements MigrationInterface {
  name = 'Passkeys1764000601600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_kind_chk`);
    await q.query(`ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_kind_chk CHECK (kind IN ('totp', 'sms', 'passkey'))`);
    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_user_kind_uq`);
    await q.query(`CREATE UNIQUE INDEX mfa_factors_user_kind_uq ON mfa_factors (user_id, kind) WHERE kind <> 'passkey'`);
    await q.query(`
      ALTER TABLE mfa_factors
        ADD COLUMN name text,
        ADD COLUMN credential_id text,
        ADD COLUMN public_key bytea,
        ADD COLUMN sign_count bigint,
        ADD COLUMN transports text,
        ADD COLUMN aaguid text,
        ADD COLUMN backed_up boolean,
        ADD COLUMN last_used_at timestamptz`);
    await q.query(`CREATE UNIQUE INDEX mfa_factors_credential_uq ON mfa_factors (credential_id) WHERE credential_id IS NOT NULL`);
    await q.query(`
      ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_passkey_chk CHECK (
        kind <> 'passkey' OR (credential_id IS NOT NULL AND public_key IS NOT NULL AND sign_count IS NOT NULL AND name IS NOT NULL))`);

    await q.query(`DROP INDEX mfa_user_summaries_level_idx`);
    await q.query(`ALTER TABLE mfa_user_summaries DROP COLUMN level`);
    await q.query(`ALTER TABLE mfa_user_summaries ADD COLUMN passkeys integer NOT NULL DEFAULT 0`);
    await q.query(`
      ALTER TABLE mfa_user_summaries ADD COLUMN level smallint GENERATED ALWAYS AS
        ((CASE WHEN totp OR passkeys > 0 THEN 2 ELSE 0 END) + (CASE WHEN sms THEN 1 ELSE 0 END)) STORED`);
    await q.query(`CREATE INDEX mfa_user_summaries_level_idx ON mfa_user_summaries (level, user_id)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION mfa_summarise_user(uid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        has_totp boolean;
        has_sms boolean;
        n_passkeys integer;
        codes integer;
      BEGIN
        INSERT INTO mfa_user_summaries (user_id)
          SELECT uid WHERE EXISTS (SELECT 1 FROM users WHERE id = uid)
          ON CONFLICT (user_id) DO NOTHING;
        -- Serialises recounts of one user; each statement below then sees every committed change.
        PERFORM 1 FROM mfa_user_summaries WHERE user_id = uid FOR UPDATE;
        IF NOT FOUND THEN
          RETURN; -- the user is being deleted
        END IF;
        SELECT coalesce(bool_or(kind = 'totp'), false), coalesce(bool_or(kind = 'sms'), false), count(*) FILTER (WHERE kind = 'passkey')
          INTO has_totp, has_sms, n_passkeys
          FROM mfa_factors WHERE user_id = uid AND confirmed_at IS NOT NULL;
        SELECT count(*) INTO codes FROM mfa_backup_codes WHERE user_id = uid AND used_at IS NULL;
        UPDATE mfa_user_summaries SET totp = has_totp, sms = has_sms, passkeys = n_passkeys, backup_codes_remaining = codes, updated_at = now()
         WHERE user_id = uid AND (totp, sms, passkeys, backup_codes_remaining) IS DISTINCT FROM (has_totp, has_sms, n_passkeys, codes);
      END $$`);

    await q.query(`
      CREATE TABLE mfa_webauthn_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose text NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        mfa_challenge_id uuid REFERENCES mfa_challenges(id) ON DELETE CASCADE,
        challenge text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT mfa_webauthn_challenges_purpose_chk CHECK (purpose IN ('register', 'second_factor', 'passwordless')),
        CONSTRAINT mfa_webauthn_challenges_user_chk CHECK (purpose = 'passwordless' OR user_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX mfa_webauthn_challenges_expiry_idx ON mfa_webauthn_challenges (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_webauthn_challenges`);
    await q.query(`DELETE FROM mfa_factors WHERE kind = 'passkey'`);
    await q.query(`DROP INDEX mfa_user_summaries_level_idx`);
    await q.query(`ALTER TABLE mfa_user_summaries DROP COLUMN level`);
    await q.query(`ALTER TABLE mfa_user_summaries DROP COLUMN passkeys`);
    await q.query(`
      ALTER TABLE mfa_user_summaries ADD COLUMN level smallint GENERATED ALWAYS AS
        ((CASE WHEN totp THEN 2 ELSE 0 END) + (CASE WHEN sms THEN 1 ELSE 0 END)) STORED`);
    await q.query(`CREATE INDEX mfa_user_summaries_level_idx ON mfa_user_summaries (level, user_id)`);
    // The summary function as MfaUserSummary left it: this one reads the dropped passkeys column.
    await q.query(`
      CREATE OR REPLACE FUNCTION mfa_summarise_user(uid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        has_totp boolean;
        has_sms boolean;
        codes integer;
      BEGIN
        INSERT INTO mfa_user_summaries (user_id)
          SELECT uid WHERE EXISTS (SELECT 1 FROM users WHERE id = uid)
          ON CONFLICT (user_id) DO NOTHING;
        PERFORM 1 FROM mfa_user_summaries WHERE user_id = uid FOR UPDATE;
        IF NOT FOUND THEN
          RETURN;
        END IF;
        SELECT coalesce(bool_or(kind = 'totp'), false), coalesce(bool_or(kind = 'sms'), false) INTO has_totp, has_sms
          FROM mfa_factors WHERE user_id = uid AND confirmed_at IS NOT NULL;
        SELECT count(*) INTO codes FROM mfa_backup_codes WHERE user_id = uid AND used_at IS NULL;
        UPDATE mfa_user_summaries SET totp = has_totp, sms = has_sms, backup_codes_remaining = codes, updated_at = now()
         WHERE user_id = uid AND (totp, sms, backup_codes_remaining) IS DISTINCT FROM (has_totp, has_sms, codes);
      END $$`);
    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_passkey_chk`);
    await q.query(`DROP INDEX mfa_factors_credential_uq`);
    await q.query(`
      ALTER TABLE mfa_factors DROP COLUMN name, DROP COLUMN credential_id, DROP COLUMN public_key, DROP COLUMN sign_count,
        DROP COLUMN transports, DROP COLUMN aaguid, DROP COLUMN backed_up, DROP COLUMN last_used_at`);
    await q.query(`DROP INDEX mfa_factors_user_kind_uq`);
    await q.query(`ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_user_kind_uq UNIQUE (user_id, kind)`);
    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_kind_chk`);
    await q.query(`ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_kind_chk CHECK (kind IN ('totp', 'sms'))`);
  }
}
