import { MigrationInterface, QueryRunner } from 'typeorm';

/** Notification center: preferences, in-app inbox, Discord links, host-event receipts, replayable outbox. */
export class NotificationCenter1763900000400 implements MigrationInterface {
  name = 'NotificationCenter1763900000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_preferences (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        event text NOT NULL,
        channel text NOT NULL,
        enabled boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_preferences_pk PRIMARY KEY (user_id, event, channel)
      )`);

    await q.query(`
      CREATE TABLE notification_inbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        event text NOT NULL,
        category text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        link text,
        idempotency_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX notification_inbox_idem_uq ON notification_inbox (idempotency_key)`);
    await q.query(`CREATE INDEX notification_inbox_user_created_idx ON notification_inbox (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notification_inbox_unread_idx ON notification_inbox (user_id) WHERE read_at IS NULL`);

    await q.query(`
      CREATE TABLE notification_webhooks (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        kind text NOT NULL DEFAULT 'discord',
        url_sealed text NOT NULL,
        url_hint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_webhooks_kind_chk CHECK (kind IN ('discord'))
      )`);

    await q.query(`
      CREATE TABLE notification_host_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        result jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);

    await q.query(`ALTER TABLE notification_outbox ADD COLUMN generation integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX notification_outbox_stale_idx ON notification_outbox (lease_until) WHERE status IN ('queued', 'sending')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification_outbox_stale_idx`);
    await q.query(`ALTER TABLE notification_outbox DROP COLUMN generation`);
    await q.query(`DROP TABLE notification_host_events`);
    await q.query(`DROP TABLE notification_webhooks`);
    await q.query(`DROP TABLE notification_inbox`);
    await q.query(`DROP TABLE notification_preferences`);
  }
}
