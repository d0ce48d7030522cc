import { MigrationInterface, QueryRunner } from 'typeorm';

/** Security webhook endpoints per account (owners) and per deployment (service API), issue 18. */
export class WebhookEndpoints1764000500200 implements MigrationInterface {
  name = 'WebhookEndpoints1764000500200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
        url text NOT NULL,
        description text NOT NULL DEFAULT '',
        events text[] NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        secret_sealed text NOT NULL,
        previous_secret_sealed text,
        previous_expires_at timestamptz,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id)`);
    // The delivery log of an endpoint reads its outbox rows newest first.
    await q.query(
      `CREATE INDEX notification_outbox_webhook_log ON notification_outbox (recipient, created_at DESC, id DESC) WHERE channel = 'webhook'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification_outbox_webhook_log`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
