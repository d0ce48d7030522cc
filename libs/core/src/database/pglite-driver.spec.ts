import { createPGliteDriver } from './pglite-driver';

/** An in-memory stand-in for one PGlite instance: counts opens and closes, answers a query. */
function fakeDatabase() {
  const opened: Array<{ closed: boolean }> = [];
  const open = async () => {
    const db = { closed: false };
    opened.push(db);
    return {
      query: async () => ({ rows: [{ instance: opened.indexOf(db), closed: db.closed }], fields: [] }),
      exec: async () => [{ rows: [], fields: [] }],
      close: async () => {
        db.closed = true;
      },
    } as never;
  };
  return { opened, open };
}

const end = (pool: { end(cb: (err: Error | null) => void): void }) =>
  new Promise<void>((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve())));

describe('createPGliteDriver', () => {
  it('keeps the database open for the other DataSources when one of two sharing it ends its pool', async () => {
    const { opened, open } = fakeDatabase();
    const driver = createPGliteDriver(open);
    const first = new driver.Pool();
    const second = new driver.Pool();
    expect((await first.query('SELECT $1', [1])).rows).toEqual([{ instance: 0, closed: false }]);

    await end(second);
    expect(opened.map((db) => db.closed)).toEqual([false]);
    // The same instance still answers: a second app closing must not give the first a fresh, empty database.
    expect((await first.query('SELECT $1', [1])).rows).toEqual([{ instance: 0, closed: false }]);

    await end(first);
    expect(opened.map((db) => db.closed)).toEqual([true]);
  });
});
