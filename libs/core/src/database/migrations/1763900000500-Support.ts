import { MigrationInterface, QueryRunner } from 'typeorm';

/** Support desk: tickets (lost device, deletion), identity checks, and the state trail of each ticket. */
export class Support1763900000500 implements MigrationInterface {
  name = 'Support1763900000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE support_tickets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('mfa_reset', 'account_deletion', 'other')),
        email text NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        message text NOT NULL,
        state text NOT NULL,
        confirm_token_hash text,
        cancel_token_hash text,
        cancel_token_sealed text,
        verifier_id uuid REFERENCES users(id) ON DELETE SET NULL,
        approver_id uuid REFERENCES users(id) ON DELETE SET NULL,
        approved_at timestamptz,
        execute_after timestamptz,
        executed_at timestamptz,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX support_tickets_confirm_uq ON support_tickets (confirm_token_hash) WHERE confirm_token_hash IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX support_tickets_cancel_uq ON support_tickets (cancel_token_hash) WHERE cancel_token_hash IS NOT NULL`,
    );
    await q.query(`CREATE INDEX support_tickets_queue_idx ON support_tickets (state, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX support_tickets_user_idx ON support_tickets (user_id, executed_at)`);

    await q.query(`
      CREATE TABLE support_ticket_checks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES support_tickets(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('email_control', 'sign_in_history', 'account_knowledge', 'government_id', 'phone_callback')),
        note text NOT NULL,
        agent_id uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX support_ticket_checks_ticket_idx ON support_ticket_checks (ticket_id, created_at)`);

    await q.query(`
      CREATE TABLE support_ticket_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES support_tickets(id) ON DELETE CASCADE,
        from_state text,
        to_state text NOT NULL,
        actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
        actor_kind text NOT NULL,
        reason text,
        ip text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX support_ticket_events_ticket_idx ON support_ticket_events (ticket_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE support_ticket_events`);
    await q.query(`DROP TABLE support_ticket_checks`);
    await q.query(`DROP TABLE support_tickets`);
  }
}
