import { DataSource } from 'typeorm';

import { FactOf, SqlFacts } from './sql-facts';

/** A database that records the one statement and answers the row it is given. */
function db(row: Record<string, unknown> | undefined) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const query = async (sql: string, params: unknown[]) => {
    calls.push({ sql, params });
    return row ? [row] : [];
  };
  return { calls, db: { query } as unknown as DataSource };
}

describe('SqlFacts', () => {
  it('reads every fact in one statement, each numbered after the ones before it', async () => {
    const facts = new SqlFacts();
    const has = facts.ask({ sql: 'SELECT EXISTS (SELECT 1 FROM t WHERE a = $1)', params: ['u1'] }, FactOf.boolean);
    const seen = facts.ask({ sql: 'SELECT x FROM s WHERE a = $1 AND b = $2', params: ['u1', 'Firefox'] }, String);
    const at = facts.ask({ sql: 'SELECT max(c) FROM r WHERE a = $1', params: ['u1'] }, FactOf.date);
    const { calls, db: fake } = db({ f0: true, f1: 'yes', f2: '2026-12-01T10:00:00.000Z' });

    await facts.read(fake);

    expect(calls).toEqual([
      {
        sql:
          'SELECT (SELECT EXISTS (SELECT 1 FROM t WHERE a = $1)) AS f0,\n' +
          '       (SELECT x FROM s WHERE a = $2 AND b = $3) AS f1,\n' +
          '       (SELECT max(c) FROM r WHERE a = $4) AS f2',
        params: ['u1', 'u1', 'Firefox', 'u1'],
      },
    ]);
    expect(has()).toBe(true);
    expect(seen()).toBe('yes');
    expect(at()).toEqual(new Date('2026-12-01T10:00:00.000Z'));
  });

  it('a fact with no row reads as null, which a boolean fact refuses rather than take for false; no fact at all sends nothing', async () => {
    const facts = new SqlFacts();
    const at = facts.ask({ sql: 'SELECT max(c) FROM r WHERE a = $1', params: ['u1'] }, FactOf.date);
    const has = facts.ask({ sql: 'SELECT true FROM t WHERE a = $1', params: ['u1'] }, FactOf.boolean);
    await facts.read(db({ f0: null, f1: null }).db);
    expect(at()).toBeNull();
    expect(() => has()).toThrow('a boolean fact answered null');

    const none = db(undefined);
    await new SqlFacts().read(none.db);
    expect(none.calls).toEqual([]);
  });

  it('fails when the read answers no row at all, so no fact is guessed', async () => {
    const facts = new SqlFacts();
    facts.ask({ sql: 'SELECT true', params: [] }, FactOf.boolean);
    await expect(facts.read(db(undefined).db)).rejects.toThrow('answered no row');
  });

  it("goes along another statement's row: columns numbered after its parameters, answered from its row", () => {
    const facts = new SqlFacts();
    const fresh = facts.ask(
      { sql: 'SELECT count(*) = 0 FROM r WHERE user_id = c.user_id AND b = $1', params: ['Firefox'] },
      FactOf.boolean,
    );
    expect(facts.columns(4)).toEqual({
      sql: '(SELECT count(*) = 0 FROM r WHERE user_id = c.user_id AND b = $5) AS f0',
      params: ['Firefox'],
    });
    facts.answer({ user_id: 'u1', f0: 't' });
    expect(fresh()).toBe(true);
  });

  it('refuses a fact used before the read or asked after it', async () => {
    const facts = new SqlFacts();
    const has = facts.ask({ sql: 'SELECT true', params: [] }, FactOf.boolean);
    expect(() => has()).toThrow('used before the facts were read');
    await facts.read(db({ f0: true }).db);
    expect(() => facts.ask({ sql: 'SELECT true', params: [] }, FactOf.boolean)).toThrow('asked after the facts were read');
  });

  it('reads booleans and timestamps as either driver hands them over', () => {
    expect([true, 't', false, 'f'].map(FactOf.boolean)).toEqual([true, true, false, false]);
    for (const odd of [null, undefined, 'true', 1, 'yes']) {
      expect(() => FactOf.boolean(odd)).toThrow('a boolean fact answered');
    }
    const at = new Date('2026-12-01T10:00:00Z');
    expect(FactOf.date(at)).toBe(at);
    expect(FactOf.date('2026-12-01 10:00:00+00')).toEqual(at);
    expect(FactOf.date(null)).toBeNull();
  });
});
