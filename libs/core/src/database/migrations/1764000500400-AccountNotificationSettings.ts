import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account-level notification settings (issue 18, item 3): the defaults an account's owners set
 * for its members per event and channel (and whether members may change them), and the
 * account's Discord webhook for account alerts. Owned by notifications; keyed by event name, so
 * host-defined event types need no schema change.
 */
export class AccountNotificationSettings1764000500400 implements MigrationInterface {
  name = 'AccountNotificationSettings1764000500400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account_notification_defaults (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        event text NOT NULL,
        channel text NOT NULL,
        enabled boolean NOT NULL,
        locked boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL,
        CONSTRAINT account_notification_defaults_pk PRIMARY KEY (account_id, event, channel)
      )`);
    await q.query(`
      CREATE TABLE account_notification_webhooks (
        account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        kind text NOT NULL DEFAULT 'discord',
        url_sealed text NOT NULL,
        url_hint text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE account_notification_webhooks`);
    await q.query(`DROP TABLE account_notification_defaults`);
  }
}
