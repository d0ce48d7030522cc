import { MigrationInterface, QueryRunner } from 'typeorm';

export class Identity1763900000100 implements MigrationInterface {
  name = 'Identity1763900000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        email_verified_at timestamptz,
        password_hash text,
        display_name text NOT NULL,
        phone text,
        timezone text NOT NULL DEFAULT 'UTC',
        language text NOT NULL DEFAULT 'en',
        company text,
        bio text,
        preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
        staff_role text,
        avatar_version integer,
        password_changed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_staff_role_chk CHECK (staff_role IS NULL OR staff_role IN ('support', 'support_lead'))
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_uq ON users (lower(email))`);

    await q.query(`
      CREATE TABLE user_avatars (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        content_type text NOT NULL,
        data bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE user_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL,
        token_hash text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT user_tokens_purpose_chk CHECK (purpose IN ('verify_email', 'password_reset', 'email_change'))
      )`);
    await q.query(`CREATE UNIQUE INDEX user_tokens_hash_uq ON user_tokens (token_hash)`);
    await q.query(`CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose) WHERE used_at IS NULL`);

    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_active_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        restriction text,
        reauthenticated_at timestamptz,
        ip text,
        user_agent text,
        browser text,
        os text,
        device_type text,
        location text
      )`);
    await q.query(`CREATE UNIQUE INDEX sessions_token_hash_uq ON sessions (token_hash)`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL`);

    await q.query(`
      CREATE TABLE login_activity (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        outcome text NOT NULL,
        reason text,
        ip text,
        user_agent text,
        browser text,
        os text,
        device_type text,
        location text
      )`);
    await q.query(`CREATE INDEX login_activity_user_idx ON login_activity (user_id, occurred_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_activity`);
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP TABLE user_tokens`);
    await q.query(`DROP TABLE user_avatars`);
    await q.query(`DROP TABLE users`);
  }
}
