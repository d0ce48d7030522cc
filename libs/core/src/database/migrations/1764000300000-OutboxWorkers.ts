import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery workers and their heartbeats: a row the outbox hands to a worker names it, and goes
 * back to the outbox as soon as that worker stops beating, instead of waiting out a lease.
 */
export class OutboxWorkers1764000300000 implements MigrationInterface {
  name = 'OutboxWorkers1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_workers (
        id uuid PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE notification_outbox ADD COLUMN worker_id uuid`);
    await q.query(`CREATE INDEX notification_outbox_worker_idx ON notification_outbox (worker_id) WHERE status IN ('queued', 'sending')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification_outbox_worker_idx`);
    await q.query(`ALTER TABLE notification_outbox DROP COLUMN worker_id`);
    await q.query(`DROP TABLE notification_workers`);
  }
}
