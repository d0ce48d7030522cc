import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        action text NOT NULL,
        actor_user_id uuid,
        actor_kind text NOT NULL DEFAULT 'user',
        subject_user_id uuid,
        account_id uuid,
        ip text,
        user_agent text,
        request_id text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_log_account_idx ON audit_log (account_id, occurred_at DESC) WHERE account_id IS NOT NULL`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_user_id, occurred_at DESC) WHERE subject_user_id IS NOT NULL`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, occurred_at DESC) WHERE actor_user_id IS NOT NULL`);
    // Append-only: the database itself refuses to rewrite history.
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);

    await q.query(`
      CREATE TABLE rate_limits (
        key text PRIMARY KEY,
        count integer NOT NULL,
        reset_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE notification_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        event text NOT NULL,
        channel text NOT NULL,
        user_id uuid,
        recipient text NOT NULL,
        payload jsonb NOT NULL,
        idempotency_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        available_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        delivered_at timestamptz,
        last_error text,
        CONSTRAINT notification_outbox_status_chk CHECK (status IN ('pending', 'queued', 'sending', 'delivered', 'dead', 'skipped'))
      )`);
    await q.query(`CREATE UNIQUE INDEX notification_outbox_idem_uq ON notification_outbox (idempotency_key)`);
    await q.query(`CREATE INDEX notification_outbox_pending_idx ON notification_outbox (available_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX notification_outbox_dead_idx ON notification_outbox (created_at) WHERE status = 'dead'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_outbox`);
    await q.query(`DROP TABLE rate_limits`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only`);
  }
}
