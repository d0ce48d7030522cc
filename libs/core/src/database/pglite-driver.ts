import { EventEmitter } from 'node:events';

import type { PGlite } from '@electric-sql/pglite';

type Callback = (err: Error | null, client?: unknown, release?: (err?: unknown) => void) => void;

interface PGliteResult {
  rows: unknown[];
  affectedRows?: number;
  fields: unknown[];
}

const COMMAND = /^\s*(?:--[^\n]*\n\s*)*(\w+)/;

/**
 * A node-postgres-shaped pool over one PGlite instance, for TypeORM's postgres driver.
 *
 * PGlite is a single connection, so this pool hands it out to one holder at a time: two
 * transactions never interleave on it (typeorm-pglite shares the connection unguarded, which
 * breaks concurrent transactions). The price: code must not open a second connection while
 * it holds one, which Latchkey's code respects by running transactional work on the manager
 * it was given.
 */
export function createPGliteDriver(open: () => Promise<PGlite>) {
  let instance: Promise<PGlite> | undefined;
  const getInstance = () => (instance ??= open());
  const waiters: Array<() => void> = [];
  let busy = false;
  /** Pools open on this driver (one per DataSource). */
  let pools = 0;

  const acquire = () =>
    new Promise<void>((resolve) => {
      if (!busy) {
        busy = true;
        resolve();
      } else {
        waiters.push(resolve);
      }
    });
  const release = () => {
    const next = waiters.shift();
    if (next) {
      next();
    } else {
      busy = false;
    }
  };

  class PGliteClient extends EventEmitter {
    async query(sql: string, params?: unknown[]) {
      const db = await getInstance();
      const command = COMMAND.exec(sql)?.[1]?.toUpperCase();
      if (params && params.length > 0) {
        const res = (await db.query(sql, params)) as PGliteResult;
        return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length, command, fields: res.fields };
      }
      const results = (await db.exec(sql)) as PGliteResult[];
      const last = results[results.length - 1] ?? { rows: [], fields: [] };
      return { rows: last.rows, rowCount: last.affectedRows ?? last.rows.length, command, fields: last.fields };
    }
  }

  class PGlitePool extends EventEmitter {
    constructor() {
      super();
      pools++;
    }

    connect(callback: Callback) {
      acquire()
        .then(getInstance)
        .then(
          () => {
            let released = false;
            callback(null, new PGliteClient(), () => {
              if (!released) {
                released = true;
                release();
              }
            });
          },
          (err: Error) => {
            release();
            callback(err);
          },
        );
    }

    async query(sql: string, params?: unknown[]) {
      await acquire();
      try {
        return await new PGliteClient().query(sql, params);
      } finally {
        release();
      }
    }

    end(callback: (err: Error | null) => void) {
      // Several DataSources may share the driver (two app instances on one embedded database): the
      // database closes with the last of them, not under the others' feet.
      if (--pools > 0) {
        callback(null);
        return;
      }
      const closing = instance;
      instance = undefined;
      (closing ? closing.then((db) => db.close()) : Promise.resolve()).then(
        () => callback(null),
        (err: Error) => callback(err),
      );
    }
  }

  return { Pool: PGlitePool, getInstance };
}
