import type { DataSource } from 'typeorm';

/** Arbitrary but fixed: every Latchkey instance takes the same advisory lock to migrate. */
const MIGRATION_LOCK_KEY = 727_245_101;

/**
 * Applies pending migrations. On PostgreSQL it holds a session advisory lock for the whole run,
 * so instances started together migrate one after another instead of racing. PGlite is a single
 * in-process connection and needs no lock.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const isServer = Boolean((dataSource.options as { url?: string }).url);
  if (!isServer) {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
