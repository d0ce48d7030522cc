import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Connected accounts (issue 15): the emailed link that proves an existing account after a
 * provider sign-in answered link_required is a user token of its own purpose, `provider_link`
 * (hashed at rest, single use, as short-lived as the sign-in flow it belongs to).
 */
export class ProviderLinkTokens1764000602100 implements MigrationInterface {
  name = 'ProviderLinkTokens1764000602100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_chk`);
    await q.query(
      `ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_chk CHECK (purpose IN ('verify_email', 'password_reset', 'email_change', 'deletion_cancel', 'provider_link'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM user_tokens WHERE purpose = 'provider_link'`);
    await q.query(`ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_chk`);
    await q.query(
      `ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_chk CHECK (purpose IN ('verify_email', 'password_reset', 'email_change', 'deletion_cancel'))`,
    );
  }
}
