import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tells every instance, at commit time, that a user's sessions or identity changed: instances
 * that cache sessions drop them. NOTIFY is delivered only when the transaction commits (and
 * never for a rollback), and cascaded deletes fire it too, whatever code path made the change.
 */
export class ChangeFeed1763900000150 implements MigrationInterface {
  name = 'ChangeFeed1763900000150';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION latchkey_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('latchkey_changes', 'user:' || COALESCE(NEW.id, OLD.id)::text);
        ELSE
          PERFORM pg_notify('latchkey_changes', 'user:' || COALESCE(NEW.user_id, OLD.user_id)::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER sessions_changed AFTER UPDATE OF revoked_at, restriction, reauthenticated_at, expires_at, user_id OR DELETE
      ON sessions FOR EACH ROW EXECUTE FUNCTION latchkey_notify_user_change()`);
    await q.query(`
      CREATE TRIGGER users_changed AFTER UPDATE OR DELETE
      ON users FOR EACH ROW EXECUTE FUNCTION latchkey_notify_user_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER users_changed ON users`);
    await q.query(`DROP TRIGGER sessions_changed ON sessions`);
    await q.query(`DROP FUNCTION latchkey_notify_user_change`);
  }
}
