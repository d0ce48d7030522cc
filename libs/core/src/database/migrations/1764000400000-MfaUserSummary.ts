import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per user with 2FA data: which factors are confirmed, the strength level the members
 * report sorts on (0 none, 1 SMS, 2 authenticator, 3 both) and the unused backup codes. The
 * report filters and sorts 100,000 members on it through an index instead of probing
 * mfa_factors per member.
 *
 * Triggers keep it in step in the same transaction as the change, whatever code path makes it
 * (enrol, remove, support reset, wipe, a cascaded user deletion). A TOTP sign-in only updates
 * last_used_step, which is not watched, so the second step pays nothing for it. The trigger
 * locks the user's summary row before recounting, so two transactions changing one user's
 * factors at once recount one after the other, each seeing the other's committed change.
 * A user without a row has no 2FA.
 */
export class MfaUserSummary1764000400000 implements MigrationInterface {
  name = 'MfaUserSummary1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_user_summaries (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        totp boolean NOT NULL DEFAULT false,
        sms boolean NOT NULL DEFAULT false,
        level smallint GENERATED ALWAYS AS ((CASE WHEN totp THEN 2 ELSE 0 END) + (CASE WHEN sms THEN 1 ELSE 0 END)) STORED,
        backup_codes_remaining integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mfa_user_summaries_level_idx ON mfa_user_summaries (level, user_id)`);

    await q.query(`
      CREATE FUNCTION mfa_summarise_user(uid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        has_totp boolean;
        has_sms boolean;
        codes integer;
      BEGIN
        INSERT INTO mfa_user_summaries (user_id)
          SELECT uid WHERE EXISTS (SELECT 1 FROM users WHERE id = uid)
          ON CONFLICT (user_id) DO NOTHING;
        -- Serialises recounts of one user; each statement below then sees every committed change.
        PERFORM 1 FROM mfa_user_summaries WHERE user_id = uid FOR UPDATE;
        IF NOT FOUND THEN
          RETURN; -- the user is being deleted
        END IF;
        SELECT coalesce(bool_or(kind = 'totp'), false), coalesce(bool_or(kind = 'sms'), false) INTO has_totp, has_sms
          FROM mfa_factors WHERE user_id = uid AND confirmed_at IS NOT NULL;
        SELECT count(*) INTO codes FROM mfa_backup_codes WHERE user_id = uid AND used_at IS NULL;
        UPDATE mfa_user_summaries SET totp = has_totp, sms = has_sms, backup_codes_remaining = codes, updated_at = now()
         WHERE user_id = uid AND (totp, sms, backup_codes_remaining) IS DISTINCT FROM (has_totp, has_sms, codes);
      END $$`);
    await q.query(`
      CREATE FUNCTION mfa_summary_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          PERFORM mfa_summarise_user(OLD.user_id);
        END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.user_id <> OLD.user_id) THEN
          PERFORM mfa_summarise_user(NEW.user_id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER mfa_factors_summary AFTER INSERT OR DELETE OR UPDATE OF confirmed_at, kind, user_id
      ON mfa_factors FOR EACH ROW EXECUTE FUNCTION mfa_summary_changed()`);
    await q.query(`
      CREATE TRIGGER mfa_backup_codes_summary AFTER INSERT OR DELETE OR UPDATE OF used_at, user_id
      ON mfa_backup_codes FOR EACH ROW EXECUTE FUNCTION mfa_summary_changed()`);

    // Backfill from the factors and codes already there.
    await q.query(`
      INSERT INTO mfa_user_summaries (user_id, totp, sms, backup_codes_remaining)
      SELECT u.user_id,
             EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = u.user_id AND f.kind = 'totp' AND f.confirmed_at IS NOT NULL),
             EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = u.user_id AND f.kind = 'sms' AND f.confirmed_at IS NOT NULL),
             (SELECT count(*)::int FROM mfa_backup_codes b WHERE b.user_id = u.user_id AND b.used_at IS NULL)
        FROM (SELECT user_id FROM mfa_factors UNION SELECT user_id FROM mfa_backup_codes) u`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER mfa_backup_codes_summary ON mfa_backup_codes`);
    await q.query(`DROP TRIGGER mfa_factors_summary ON mfa_factors`);
    await q.query(`DROP FUNCTION mfa_summary_changed`);
    await q.query(`DROP FUNCTION mfa_summarise_user`);
    await q.query(`DROP TABLE mfa_user_summaries`);
  }
}
