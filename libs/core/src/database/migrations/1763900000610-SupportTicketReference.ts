import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Support tickets get a full reference staff can search and mails can show (SUP-000042): unique,
 * numbered by a sequence so every insert path gets one, existing tickets numbered by age.
 */
export class SupportTicketReference1763900000610 implements MigrationInterface {
  name = 'SupportTicketReference1763900000610';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE support_ticket_reference_seq`);
    // One evaluation of the number (a default calling nextval twice would skip and mismatch).
    await q.query(`
      CREATE FUNCTION support_ticket_reference(n bigint) RETURNS text LANGUAGE sql IMMUTABLE
        AS $$ SELECT 'SUP-' || lpad(n::text, greatest(6, length(n::text)), '0') $$`);
    await q.query(`ALTER TABLE support_tickets ADD COLUMN reference text`);
    await q.query(`
      WITH numbered AS (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM support_tickets)
      UPDATE support_tickets t SET reference = support_ticket_reference(numbered.n) FROM numbered WHERE t.id = numbered.id`);
    await q.query(`SELECT setval('support_ticket_reference_seq', (SELECT count(*) FROM support_tickets) + 1, false)`);
    await q.query(`ALTER TABLE support_tickets
      ALTER COLUMN reference SET DEFAULT support_ticket_reference(nextval('support_ticket_reference_seq')),
      ALTER COLUMN reference SET NOT NULL`);
    await q.query(`ALTER SEQUENCE support_ticket_reference_seq OWNED BY support_tickets.reference`);
    await q.query(`CREATE UNIQUE INDEX support_tickets_reference_uq ON support_tickets (reference)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX support_tickets_reference_uq`);
    await q.query(`ALTER TABLE support_tickets DROP COLUMN reference`);
    await q.query(`DROP SEQUENCE IF EXISTS support_ticket_reference_seq`);
    await q.query(`DROP FUNCTION support_ticket_reference(bigint)`);
  }
}
