import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal access tokens (issue 15): stored as a SHA-256 of the 256-bit secret with a short
 * display prefix; an optional account binding with a role cap. Keys go with their user and with
 * their account (cascade).
 */
export class ApiKeys1764000600000 implements MigrationInterface {
  name = 'ApiKeys1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
        role_cap text CHECK (role_cap IN ('owner', 'admin', 'member', 'viewer')),
        name text NOT NULL,
        scopes text[] NOT NULL,
        secret_hash text NOT NULL,
        prefix text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        last_used_ip text,
        revoked_at timestamptz,
        revoked_by uuid,
        CONSTRAINT api_keys_cap_with_account CHECK ((account_id IS NULL) = (role_cap IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_secret ON api_keys (secret_hash)`);
    await q.query(`CREATE INDEX api_keys_user ON api_keys (user_id, created_at DESC)`);
    await q.query(`CREATE INDEX api_keys_account ON api_keys (account_id, created_at DESC) WHERE account_id IS NOT NULL`);
    // Instances that cache keys (behind the change feed) drop the user's keys at commit of a revocation.
    await q.query(`
      CREATE TRIGGER api_keys_changed AFTER UPDATE OF revoked_at, expires_at, user_id, account_id, role_cap, scopes OR DELETE
      ON api_keys FOR EACH ROW EXECUTE FUNCTION latchkey_notify_user_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
