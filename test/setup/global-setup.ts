import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { dataSourceOptions } from '../../libs/core/src/database/data-source-options';
import { runMigrations } from '../../libs/core/src/database/migrate';
import { randomBytes } from 'node:crypto';

import { ensureConsoleBuilt, runIncludesConsole } from './console-build';
import { trimWalSegments } from './pglite-template';
import { PGLITE_TEMPLATE_ENV, RUN_ENV, TEST_DATABASE_URL, TEST_PGLITE_SHARED_BUFFERS, serverUrlFor, templateDb } from './test-env';

/**
 * Migrates a template database once per run; each e2e file then starts from a copy of it.
 * On PostgreSQL: CREATE DATABASE ... TEMPLATE. On PGlite: a dump of the migrated data directory.
 */
export default async function globalSetup(globalConfig: Parameters<typeof runIncludesConsole>[0]) {
  if (runIncludesConsole(globalConfig)) {
    ensureConsoleBuilt();
  }
  process.env[RUN_ENV] = randomBytes(4).toString('hex');
  if (TEST_DATABASE_URL) {
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${templateDb()}"`);
    await admin.end();
    const ds = new DataSource(dataSourceOptions({ url: serverUrlFor(templateDb()) }));
    await ds.initialize();
    await runMigrations(ds);
    await ds.destroy();
    return;
  }
  const ds = new DataSource(dataSourceOptions({ pgliteDir: 'memory://', pgliteSharedBuffers: TEST_PGLITE_SHARED_BUFFERS }));
  await ds.initialize();
  await runMigrations(ds);
  const { getInstance } = (
    ds.options as unknown as {
      driver: { getInstance: () => Promise<{ exec: (sql: string) => Promise<unknown>; dumpDataDir: (c?: string) => Promise<Blob> }> };
    }
  ).driver;
  const pglite = await getInstance();
  // Every e2e file loads this dump into a fresh PGlite: without the two template databases (which
  // nothing here uses: PGlite never runs CREATE DATABASE) it is 27 MB instead of 42 MB, and a
  // load took 1.3 s instead of 2.0 s (measured in this session on a busy machine).
  await pglite.exec(`UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')`);
  await pglite.exec('DROP DATABASE template0');
  await pglite.exec('DROP DATABASE template1');
  // The log switched to a fresh segment and the old one removed, not kept for reuse: the dump's one
  // segment then holds the two checkpoints' records and zeros, which trimWalSegments leaves out
  // (27 -> 11 MB; a file's PGlite started in about 0.1 s less CPU).
  await pglite.exec('SET wal_recycle = off');
  await pglite.exec('SELECT pg_switch_wal()');
  await pglite.exec('CHECKPOINT');
  await pglite.exec('CHECKPOINT');
  const dump = await pglite.dumpDataDir('none');
  const file = path.join(os.tmpdir(), `latchkey-pglite-template-${process.pid}.tar`);
  fs.writeFileSync(file, trimWalSegments(Buffer.from(await dump.arrayBuffer())));
  await ds.destroy();
  process.env[PGLITE_TEMPLATE_ENV] = file;
}
