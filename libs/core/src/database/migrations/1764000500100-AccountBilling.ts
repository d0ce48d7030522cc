import { MigrationInterface, QueryRunner } from 'typeorm';

/** The billing summary the host pushes per account (issue 18): no card data beyond brand and last four. */
export class AccountBilling1764000500100 implements MigrationInterface {
  name = 'AccountBilling1764000500100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account_billing (
        account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        plan_name text NOT NULL,
        seats integer CHECK (seats IS NULL OR seats >= 0),
        renews_on date,
        payment_brand text,
        payment_last4 text CHECK (payment_last4 IS NULL OR payment_last4 ~ '^[0-9]{4}$'),
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE account_billing`);
  }
}
