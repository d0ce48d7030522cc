import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Connected accounts (issue 15): a provider identity (issuer + subject, unique per provider)
 * linked to one user, at most one per provider and user; and the short-lived sign-in flows
 * (state, nonce, PKCE verifier, intent), each bound to the browser that started it by the hash of
 * a random value in an HttpOnly cookie, found by the hash of its state, and single use (the stage
 * moves forward with compare-and-swap updates). Both go with their user (cascade).
 */
export class ConnectedAccounts1764000602000 implements MigrationInterface {
  name = 'ConnectedAccounts1764000602000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connected_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        provider text NOT NULL,
        issuer text NOT NULL,
        subject text NOT NULL,
        email text,
        email_verified boolean NOT NULL DEFAULT false,
        linked_at timestamptz NOT NULL,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX connected_identities_identity ON connected_identities (provider, issuer, subject)`);
    await q.query(`CREATE UNIQUE INDEX connected_identities_user_provider ON connected_identities (user_id, provider)`);
    await q.query(`
      CREATE TABLE connected_account_flows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        state_hash text NOT NULL,
        browser_hash text NOT NULL,
        provider text NOT NULL,
        intent text NOT NULL CHECK (intent IN ('sign_in', 'link', 'reauth')),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        session_id uuid,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        stage text NOT NULL CHECK (stage IN ('started', 'returned', 'link_required', 'done')),
        identity jsonb,
        error text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX connected_account_flows_state ON connected_account_flows (state_hash)`);
    await q.query(`CREATE INDEX connected_account_flows_browser ON connected_account_flows (browser_hash)`);
    await q.query(`CREATE INDEX connected_account_flows_expiry ON connected_account_flows (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connected_account_flows`);
    await q.query(`DROP TABLE connected_identities`);
  }
}
