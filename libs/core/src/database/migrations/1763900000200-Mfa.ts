import { MigrationInterface, QueryRunner } from 'typeorm';

export class Mfa1763900000200 implements MigrationInterface {
  name = 'Mfa1763900000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_factors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind text NOT NULL,
        secret_sealed text,
        phone text,
        confirmed_at timestamptz,
        last_used_step bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mfa_factors_kind_chk CHECK (kind IN ('totp', 'sms')),
        CONSTRAINT mfa_factors_user_kind_uq UNIQUE (user_id, kind)
      )`);

    await q.query(`
      CREATE TABLE mfa_backup_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        CONSTRAINT mfa_backup_codes_user_hash_uq UNIQUE (user_id, code_hash)
      )`);
    await q.query(`CREATE INDEX mfa_backup_codes_unused_idx ON mfa_backup_codes (user_id) WHERE used_at IS NULL`);

    await q.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id, created_at)`);

    await q.query(`
      CREATE TABLE mfa_sms_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL,
        challenge_id uuid REFERENCES mfa_challenges(id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        used_at timestamptz,
        CONSTRAINT mfa_sms_codes_purpose_chk CHECK (purpose IN ('setup', 'sign_in', 'recovery'))
      )`);
    await q.query(`CREATE INDEX mfa_sms_codes_user_idx ON mfa_sms_codes (user_id, purpose, created_at) WHERE used_at IS NULL`);

    await q.query(`
      CREATE TABLE mfa_trusted_devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        ip text,
        browser text,
        os text,
        device_type text,
        location text
      )`);
    await q.query(`CREATE UNIQUE INDEX mfa_trusted_devices_token_uq ON mfa_trusted_devices (token_hash)`);
    await q.query(`CREATE INDEX mfa_trusted_devices_user_idx ON mfa_trusted_devices (user_id) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_trusted_devices`);
    await q.query(`DROP TABLE mfa_sms_codes`);
    await q.query(`DROP TABLE mfa_challenges`);
    await q.query(`DROP TABLE mfa_backup_codes`);
    await q.query(`DROP TABLE mfa_factors`);
  }
}
