import { randomBytes } from 'node:crypto';

import { dataSourceOptions, migrations, runMigrations } from '@latchkey/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { TEST_DATABASE_URL, TEST_PGLITE_SHARED_BUFFERS, runPrefix, serverUrlFor } from '../setup/test-env';

const EXPECTED_TABLES = ['audit_log', 'users', 'sessions', 'login_activity', 'notification_outbox', 'migrations'];

async function tables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
  );
  return rows.map((r) => r.table_name);
}

describe('Migrations from zero', () => {
  it('apply every migration to an empty embedded PGlite database, then nothing is pending', async () => {
    const ds = new DataSource(dataSourceOptions({ pgliteDir: 'memory://', pgliteSharedBuffers: TEST_PGLITE_SHARED_BUFFERS }));
    await ds.initialize();
    try {
      const applied = await runMigrations(ds);
      expect(applied).toHaveLength(migrations.length);
      expect(await tables(ds)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
      expect(await runMigrations(ds)).toEqual([]);
      await ds.query(`INSERT INTO audit_log (action) VALUES ('probe')`);
      await expect(ds.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    } finally {
      await ds.destroy();
    }
  });

  it('revert every migration down to zero and apply them again; the 2FA summary keeps working at every step', async () => {
    const ds = new DataSource(dataSourceOptions({ pgliteDir: 'memory://', pgliteSharedBuffers: TEST_PGLITE_SHARED_BUFFERS }));
    await ds.initialize();
    try {
      await runMigrations(ds);
      const has = async (sql: string): Promise<boolean> => ((await ds.query(sql)) as unknown[]).length > 0;
      for (let left = migrations.length; left > 0; left--) {
        await ds.undoLastMigration({ transaction: 'each' });
        // Wherever factors and their summary exist, a factor change must still recount the summary
        // (a down() that leaves the summary function reading a dropped column breaks every 2FA change).
        if (await has(`SELECT 1 FROM pg_proc WHERE proname = 'mfa_summarise_user'`)) {
          const [user] = (await ds.query(`INSERT INTO users (email, display_name) VALUES ($1, 'Probe') RETURNING id`, [
            `probe-${left}@example.com`,
          ])) as Array<{ id: string }>;
          await ds.query(`INSERT INTO mfa_factors (user_id, kind, confirmed_at) VALUES ($1, 'totp', now())`, [user.id]);
          const [summary] = (await ds.query(`SELECT totp FROM mfa_user_summaries WHERE user_id = $1`, [user.id])) as Array<{
            totp: boolean;
          }>;
          expect({ left, totp: summary?.totp }).toEqual({ left, totp: true });
        }
      }
      expect(await tables(ds)).not.toContain('users');
      expect(await runMigrations(ds)).toHaveLength(migrations.length);
      expect(await tables(ds)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
    } finally {
      await ds.destroy();
    }
  });

  // Needs a PostgreSQL server: defined when TEST_DATABASE_URL is set (CI always sets it).
  const serverOnly = TEST_DATABASE_URL ? [it] : [];
  for (const test of serverOnly) {
    test('apply to an empty PostgreSQL database from two runners at once, under the advisory lock', async () => {
      const name = `${runPrefix()}_mig_${randomBytes(4).toString('hex')}`;
      const admin = new Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const a = new DataSource(dataSourceOptions({ url: serverUrlFor(name) }));
      const b = new DataSource(dataSourceOptions({ url: serverUrlFor(name) }));
      await Promise.all([a.initialize(), b.initialize()]);
      try {
        const [ranA, ranB] = await Promise.all([runMigrations(a), runMigrations(b)]);
        expect(ranA.length + ranB.length).toBe(migrations.length);
        expect([ranA.length, ranB.length]).toContain(0);
        expect(await tables(a)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
      } finally {
        await Promise.all([a.destroy(), b.destroy()]);
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    });
  }
});
