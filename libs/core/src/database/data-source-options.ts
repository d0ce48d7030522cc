import * as fs from 'node:fs';
import * as path from 'node:path';

import type { DataSourceOptions } from 'typeorm';

import type { AppConfig } from '../config/app-config';
import { migrations } from './migrations';
import { createPGliteDriver } from './pglite-driver';

export interface DatabaseTarget {
  /** A PostgreSQL URL; unset means the embedded PGlite. */
  url?: string;
  /** PGlite data directory, or `memory://` for a throwaway database. */
  pgliteDir?: string;
  /** A PGlite data-directory dump (tar) to start from instead of an empty database. */
  pgliteLoadFrom?: Blob;
  /**
   * PGlite's shared_buffers (unset: PostgreSQL's 128MB). A PGlite allocates and clears them at
   * every start: the tests' small databases use 16MB, which made a start from their template
   * about 0.4 s of CPU cheaper (1.3 -> 0.9 s, measured on the 2-core machine).
   */
  pgliteSharedBuffers?: string;
  /** Reuse another DataSource's PGlite (two app instances on one embedded database, in tests). */
  pgliteDriver?: PGliteDriver;
  /** Connections per process to PostgreSQL (DATABASE_POOL_SIZE). */
  poolSize?: number;
}

export type PGliteDriver = ReturnType<typeof createPGliteDriver>;

export function databaseTarget(config: AppConfig): DatabaseTarget {
  return config.db.url ? { url: config.db.url, poolSize: config.db.poolSize } : { pgliteDir: path.resolve(config.db.dataDir, 'pglite') };
}

/**
 * One definition of how Latchkey talks to its database: a PostgreSQL server, or PGlite (the same
 * Postgres compiled to WASM) when no DATABASE_URL is set. Both run the same migrations.
 */
export function dataSourceOptions(target: DatabaseTarget, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTableName: 'migrations',
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    logging: false,
  };
  if (target.url) {
    return { ...common, url: target.url, poolSize: target.poolSize ?? 20, ...extra } as DataSourceOptions;
  }
  const dir = target.pgliteDir ?? 'memory://';
  const driver =
    target.pgliteDriver ??
    createPGliteDriver(async () => {
      const { PGlite } = await import('@electric-sql/pglite');
      if (!dir.startsWith('memory://')) {
        fs.mkdirSync(path.dirname(dir), { recursive: true });
      }
      return PGlite.create(dir, {
        ...(target.pgliteLoadFrom ? { loadDataDir: target.pgliteLoadFrom } : {}),
        ...(target.pgliteSharedBuffers
          ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${target.pgliteSharedBuffers}`] }
          : {}),
      });
    });
  return { ...common, driver, ...extra } as DataSourceOptions;
}
