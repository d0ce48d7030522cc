import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Factor kinds become rows, not columns, so a new kind is its own migration's INSERT and nothing
 * else in the schema:
 *
 * - `mfa_factor_kinds` lists the kinds (the FactorStrategy `kind`s) with their strength bit: 2 for
 *   a strong factor (authenticator app, passkey), 1 for a weak one (SMS). mfa_factors.kind refers
 *   to it (it replaces the `mfa_factors_kind_chk` list).
 * - `mfa_user_summaries` keeps a count per confirmed kind (`factors`, jsonb such as
 *   `{"totp": 2, "passkey": 1}`) and `level`, the OR of the strength bits of the kinds present
 *   (0 none, 1 SMS only, 2 strong only, 3 both: the members report's sort, indexed as before).
 *
 * Several authenticator apps per user, each named (1-64 characters, unique per user among the
 * confirmed ones, case-insensitively); existing ones are called "Authenticator app". At most one
 * pending enrolment per user and kind. A phone stays one per user (pending or confirmed), as with
 * Auth0 and Clerk: a second number of one person adds no independent factor and doubles what SMS
 * pumping can reach.
 */
export class SeveralFactorsPerKind1764000602200 implements MigrationInterface {
  name = 'SeveralFactorsPerKind1764000602200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_factor_kinds (
        kind text PRIMARY KEY,
        strength smallint NOT NULL CONSTRAINT mfa_factor_kinds_strength_chk CHECK (strength IN (1, 2))
      )`);
    await q.query(`INSERT INTO mfa_factor_kinds (kind, strength) VALUES ('totp', 2), ('sms', 1), ('passkey', 2)`);
    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_kind_chk`);
    await q.query(`ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_kind_fk FOREIGN KEY (kind) REFERENCES mfa_factor_kinds (kind)`);

    await q.query(`UPDATE mfa_factors SET name = 'Authenticator app' WHERE kind = 'totp' AND name IS NULL`);
    await q.query(`DROP INDEX mfa_factors_user_kind_uq`);
    await q.query(`CREATE UNIQUE INDEX mfa_factors_pending_uq ON mfa_factors (user_id, kind) WHERE confirmed_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX mfa_factors_sms_uq ON mfa_factors (user_id) WHERE kind = 'sms'`);
    await q.query(
      `CREATE UNIQUE INDEX mfa_factors_totp_name_uq ON mfa_factors (user_id, lower(name)) WHERE kind = 'totp' AND confirmed_at IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_totp_name_chk
        CHECK (kind <> 'totp' OR (name IS NOT NULL AND char_length(name) BETWEEN 1 AND 64))`);

    await q.query(`DROP INDEX mfa_user_summaries_level_idx`);
    await q.query(`ALTER TABLE mfa_user_summaries DROP COLUMN level`);
    await q.query(`ALTER TABLE mfa_user_summaries DROP COLUMN totp, DROP COLUMN sms, DROP COLUMN passkeys`);
    await q.query(`ALTER TABLE mfa_user_summaries ADD COLUMN factors jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE mfa_user_summaries ADD COLUMN level smallint NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX mfa_user_summaries_level_idx ON mfa_user_summaries (level, user_id)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION mfa_summarise_user(uid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        counts jsonb;
        lvl smallint;
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
        SELECT coalesce(jsonb_object_agg(c.kind, c.n), '{}'::jsonb), coalesce(bit_or(k.strength), 0)::smallint INTO counts, lvl
          FROM (SELECT kind, count(*)::int AS n FROM mfa_factors WHERE user_id = uid AND confirmed_at IS NOT NULL GROUP BY kind) c
          JOIN mfa_factor_kinds k ON k.kind = c.kind;
        SELECT count(*) INTO codes FROM mfa_backup_codes WHERE user_id = uid AND used_at IS NULL;
        UPDATE mfa_user_summaries SET factors = counts, level = lvl, backup_codes_remaining = codes, updated_at = now()
         WHERE user_id = uid AND (factors, level, backup_codes_remaining) IS DISTINCT FROM (counts, lvl, codes);
      END $$`);
    await q.query(
      `SELECT count(mfa_summarise_user(u.user_id)) FROM (SELECT user_id FROM mfa_factors UNION SELECT user_id FROM mfa_backup_codes) u`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // One authenticator per user again: the first one confirmed stays.
    await q.query(`
      DELETE FROM mfa_factors f WHERE f.kind = 'totp' AND EXISTS (
        SELECT 1 FROM mfa_factors o WHERE o.user_id = f.user_id AND o.kind = 'totp' AND o.id <> f.id
           AND (o.confirmed_at IS NOT NULL AND (f.confirmed_at IS NULL OR (o.confirmed_at, o.id) < (f.confirmed_at, f.id))))`);
    await q.query(`UPDATE mfa_factors SET name = NULL WHERE kind = 'totp'`);
    await q.query(`DROP INDEX mfa_user_summaries_level_idx`);
    await q.query(`ALTER TABLE mfa_user_summaries DROP COLUMN level, DROP COLUMN factors`);
    await q.query(`
      ALTER TABLE mfa_user_summaries
        ADD COLUMN totp boolean NOT NULL DEFAULT false,
        ADD COLUMN sms boolean NOT NULL DEFAULT false,
        ADD COLUMN passkeys integer NOT NULL DEFAULT 0`);
    await q.query(`
      ALTER TABLE mfa_user_summaries ADD COLUMN level smallint GENERATED ALWAYS AS
        ((CASE WHEN totp OR passkeys > 0 THEN 2 ELSE 0 END) + (CASE WHEN sms THEN 1 ELSE 0 END)) STORED`);
    await q.query(`CREATE INDEX mfa_user_summaries_level_idx ON mfa_user_summaries (level, user_id)`);
    // The summary function as Passkeys left it.
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
    await q.query(`SELECT count(mfa_summarise_user(user_id)) FROM mfa_user_summaries`);

    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_totp_name_chk`);
    await q.query(`DROP INDEX mfa_factors_totp_name_uq`);
    await q.query(`DROP INDEX mfa_factors_sms_uq`);
    await q.query(`DROP INDEX mfa_factors_pending_uq`);
    await q.query(`CREATE UNIQUE INDEX mfa_factors_user_kind_uq ON mfa_factors (user_id, kind) WHERE kind <> 'passkey'`);
    await q.query(`ALTER TABLE mfa_factors DROP CONSTRAINT mfa_factors_kind_fk`);
    await q.query(`DELETE FROM mfa_factors WHERE kind NOT IN ('totp', 'sms', 'passkey')`);
    await q.query(`ALTER TABLE mfa_factors ADD CONSTRAINT mfa_factors_kind_chk CHECK (kind IN ('totp', 'sms', 'passkey'))`);
    await q.query(`DROP TABLE mfa_factor_kinds`);
  }
}
