import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data exports: one row per export job (state, progress, the run's lease) and where its encrypted
 * file is. A deleted user's rows lose their user (SET NULL) and the sweep removes their files.
 */
export class DataExports1764000100000 implements MigrationInterface {
  name = 'DataExports1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE data_exports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        state text NOT NULL DEFAULT 'queued',
        progress integer NOT NULL DEFAULT 0,
        stage text,
        generation integer NOT NULL DEFAULT 1,
        attempts integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        storage_key text,
        size_bytes bigint,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        expires_at timestamptz,
        CONSTRAINT data_exports_state_chk CHECK (state IN ('queued', 'running', 'ready', 'failed', 'expired')),
        CONSTRAINT data_exports_progress_chk CHECK (progress BETWEEN 0 AND 100)
      )`);
    await q.query(`CREATE INDEX data_exports_user_idx ON data_exports (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX data_exports_active_idx ON data_exports (lease_until) WHERE state IN ('queued', 'running')`);
    await q.query(`CREATE INDEX data_exports_ready_idx ON data_exports (expires_at) WHERE state = 'ready'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE data_exports`);
  }
}
