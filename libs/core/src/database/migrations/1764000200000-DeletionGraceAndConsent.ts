import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-service deletion with a grace period, and consent records.
 *
 * - users.deletion_scheduled_for: set by DELETE /me, cleared by a cancel; the worker erases the
 *   user once it has passed.
 * - user_tokens may hold the emailed cancel link of a scheduled deletion (hashed like the others).
 * - audit_log stays append-only, with one exception: inside a transaction that set
 *   `latchkey.audit_erasure` (SET LOCAL), an UPDATE may rewrite only the personal columns
 *   (actor/subject ids to a pseudonym, ip, user agent, metadata). What happened, when and in
 *   which account never changes, and DELETE is still refused.
 * - consent_records: every change of a privacy choice, with its source, IP and user agent.
 */
export class DeletionGraceAndConsent1764000200000 implements MigrationInterface {
  name = 'DeletionGraceAndConsent1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN deletion_scheduled_for timestamptz`);
    await q.query(`CREATE INDEX users_deletion_due_idx ON users (deletion_scheduled_for) WHERE deletion_scheduled_for IS NOT NULL`);

    await q.query(`ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_chk`);
    await q.query(
      `ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_chk CHECK (purpose IN ('verify_email', 'password_reset', 'email_change', 'deletion_cancel'))`,
    );

    await q.query(`ALTER TABLE audit_log ADD COLUMN actor_pseudonym text, ADD COLUMN subject_pseudonym text`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE'
           AND current_setting('latchkey.audit_erasure', true) = 'on'
           AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at AND NEW.action = OLD.action
           AND NEW.actor_kind = OLD.actor_kind AND NEW.account_id IS NOT DISTINCT FROM OLD.account_id
           AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);

    await q.query(`
      CREATE TABLE consent_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL,
        granted boolean NOT NULL,
        source text NOT NULL,
        ip text,
        user_agent text,
        occurred_at timestamptz NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        CONSTRAINT consent_records_purpose_chk CHECK (purpose IN ('analytics', 'marketing_email')),
        CONSTRAINT consent_records_source_chk CHECK (source IN ('console', 'api', 'host'))
      )`);
    await q.query(`CREATE INDEX consent_records_user_idx ON consent_records (user_id, purpose, seq DESC)`);
    await q.query(`CREATE UNIQUE INDEX consent_records_seq_uq ON consent_records (seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent_records`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN actor_pseudonym, DROP COLUMN subject_pseudonym`);
    await q.query(`DELETE FROM user_tokens WHERE purpose = 'deletion_cancel'`);
    await q.query(`ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_chk`);
    await q.query(
      `ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_chk CHECK (purpose IN ('verify_email', 'password_reset', 'email_change'))`,
    );
    await q.query(`DROP INDEX users_deletion_due_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN deletion_scheduled_for`);
  }
}
