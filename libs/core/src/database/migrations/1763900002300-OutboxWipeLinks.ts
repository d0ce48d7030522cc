import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rows written before links were sealed kept them in clear: drop them from every finished row.
 * Pending rows keep theirs until delivery, which then wipes them like any other.
 */
export class OutboxWipeLinks1763900002300 implements MigrationInterface {
  name = 'OutboxWipeLinks1763900002300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE notification_outbox
          SET payload = jsonb_set(payload, '{data}', (payload->'data') - 'link' - 'cancelLink') || '{"wiped": true}'::jsonb
        WHERE status IN ('delivered', 'skipped', 'dead') AND (payload->'data' ? 'link' OR payload->'data' ? 'cancelLink')`,
    );
    await q.query(
      `UPDATE notification_inbox SET body = regexp_replace(body, 'https?://\\S*token=\\S*', '(link removed)', 'g') WHERE body ~ 'token='`,
    );
  }

  async down(): Promise<void> {
    // The wiped links are gone for good.
  }
}
