import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event types the host application registers through the service API (issue 18): one row per
 * version, immutable once written; retiring a type stamps every version. Old versions stay so
 * the rows already in the outbox render with the templates they were published with.
 */
export class HostEventTypes1764000600100 implements MigrationInterface {
  name = 'HostEventTypes1764000600100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_event_types (
        name text NOT NULL,
        version int NOT NULL CHECK (version >= 1),
        category text NOT NULL CHECK (category IN ('product', 'transactional', 'marketing')),
        description text NOT NULL,
        channels text[] NOT NULL,
        defaults text[] NOT NULL,
        data_schema jsonb NOT NULL,
        templates jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        retired_at timestamptz,
        PRIMARY KEY (name, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_event_types`);
  }
}
