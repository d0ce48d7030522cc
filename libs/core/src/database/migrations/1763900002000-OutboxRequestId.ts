import { MigrationInterface, QueryRunner } from 'typeorm';

/** The request that caused a notification, so an operator can follow it from the API log to the delivery. */
export class OutboxRequestId1763900002000 implements MigrationInterface {
  name = 'OutboxRequestId1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification_outbox ADD COLUMN request_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification_outbox DROP COLUMN request_id`);
  }
}
