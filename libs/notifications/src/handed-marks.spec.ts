import { FakeClock } from '@latchkey/core';
import { DataSource } from 'typeorm';

import { HandedMarks } from './handed-marks';

/**
 * A pg client that records what was written, in order, and answers when told; the UPDATE
 * returns the ids it was given except those in `locked` (rows a reclaim holds: SKIP LOCKED).
 */
function fakeServer(locked: string[] = []) {
  const events: string[] = [];
  const pending: Array<() => void> = [];
  const client = {
    readyForQuery: true,
    query: jest.fn((sql: string, params: unknown[]) => {
      const ids = params[0] as string[];
      events.push(`UPDATE ${ids.join(',')}`);
      client.readyForQuery = false;
      return new Promise<{ rows: Array<{ id: string }> }>((resolve) =>
        pending.push(() => {
          client.readyForQuery = true;
          resolve({ rows: ids.filter((id) => !locked.includes(id)).map((id) => ({ id })) });
        }),
      );
    }),
  };
  const dataSource = {
    options: { type: 'postgres', url: 'postgres://db' },
    createQueryRunner: () => ({ connect: async () => client, release: async () => undefined }),
  } as unknown as DataSource;
  const answer = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { events, dataSource, answer, client };
}

describe('HandedMarks', () => {
  it('writes the final dots and then, in the same step, the UPDATE recording their rows delivered; later ones wait for that UPDATE', async () => {
    const { events, dataSource, answer, client } = fakeServer();
    const marks = new HandedMarks(dataSource, new FakeClock(), 'worker-1');
    const dot = (id: string) => () => {
      events.push(`dot ${id}`);
      return true;
    };
    const a = marks.hand('a', 1, dot('a'));
    let aAnswered = false;
    void a.then(() => (aAnswered = true));
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['dot a', 'UPDATE a']);
    // The UPDATE is the row's delivered mark, with its links wiped, on rows this worker still holds 'sending'.
    const [sql, params] = client.query.mock.calls[0];
    expect(sql).toMatch(
      /SET status = 'delivered', delivered_at = \$2, lease_until = NULL, last_error = NULL, payload = CASE WHEN payload->>'sealed'/,
    );
    expect(sql).not.toMatch(/worker_id = NULL/);
    // Only this worker's rows, under the claim (attempt) that sent them.
    expect(sql).toMatch(/JOIN unnest\(\$1::uuid\[\], \$4::int\[\]\) AS c\(id, attempt\) ON c\.id = o\.id AND c\.attempt = o\.attempts/);
    expect(sql).toMatch(/WHERE o\.status = 'sending' AND o\.worker_id = \$3 FOR UPDATE OF o SKIP LOCKED\)\s+RETURNING id/);
    expect(params[2]).toBe('worker-1');
    expect(params[3]).toEqual([1]);
    // Not answered before the database answered: the worker may give a refused row back only after this commit.
    expect(aAnswered).toBe(false);
    const b = marks.hand('b', 1, dot('b'));
    const c = marks.hand('c', 1, dot('c'));
    // Held while the first UPDATE is in flight: a dot out before its mark could be written would be a resend if killed now.
    expect(events).toEqual(['dot a', 'UPDATE a']);
    await answer();
    await expect(a).resolves.toBe(true);
    expect(events).toEqual(['dot a', 'UPDATE a', 'dot b', 'dot c', 'UPDATE b,c']);
    await answer();
    await expect(Promise.all([b, c])).resolves.toEqual([true, true]);
  });

  it('answers false for a row the UPDATE did not record (locked by a reclaim), so the worker marks it after the reply', async () => {
    const { dataSource, answer } = fakeServer(['taken']);
    const marks = new HandedMarks(dataSource, new FakeClock(), 'worker-1');
    const taken = marks.hand('taken', 1, () => true);
    const mine = marks.hand('mine', 1, () => true);
    await new Promise((r) => setImmediate(r));
    await answer(); // one UPDATE for both
    await expect(taken).resolves.toBe(false);
    await expect(mine).resolves.toBe(true);
  });

  it('answers false for every row of an UPDATE that failed, and opens a new connection for the next', async () => {
    const { dataSource, client } = fakeServer();
    const connect = jest.spyOn(dataSource, 'createQueryRunner');
    client.query.mockImplementationOnce(async () => {
      throw new Error('connection terminated');
    });
    const marks = new HandedMarks(dataSource, new FakeClock(), 'worker-1');
    await expect(marks.hand('x', 1, () => true)).resolves.toBe(false);
    expect(connect).toHaveBeenCalledTimes(1);
    void marks.hand('y', 1, () => true);
    await new Promise((r) => setImmediate(r));
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('writes at most 8 dots per UPDATE, so a kill in the middle of a flush resends few', async () => {
    const { events, dataSource, answer } = fakeServer();
    const marks = new HandedMarks(dataSource, new FakeClock(), 'worker-1');
    const ids = Array.from({ length: 11 }, (_, i) => `m${i}`);
    for (const id of ids) {
      void marks.hand(id, 1, () => events.push(`dot ${id}`) > 0);
    }
    await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => e.startsWith('UPDATE'))).toEqual([`UPDATE ${ids.slice(0, 8).join(',')}`]);
    await answer();
    expect(events.slice(-4)).toEqual(['dot m8', 'dot m9', 'dot m10', `UPDATE m8,m9,m10`]);
  });

  it('leaves out of the UPDATE a message whose connection closed (nothing was written)', async () => {
    const { events, dataSource } = fakeServer();
    const marks = new HandedMarks(dataSource, new FakeClock(), 'worker-1');
    const gone = marks.hand('gone', 1, () => false);
    void marks.hand('ok', 1, () => {
      events.push('dot ok');
      return true;
    });
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['dot ok', 'UPDATE ok']);
    await expect(gone).resolves.toBe(false);
  });

  it('writes the dot at once on PGlite (no server connection of its own) and leaves the mark to the reply', async () => {
    const dataSource = { options: { type: 'postgres' } } as unknown as DataSource;
    const written: string[] = [];
    const recorded = new HandedMarks(dataSource, new FakeClock(), 'worker-1').hand('x', 1, () => written.push('x') > 0);
    expect(written).toEqual(['x']);
    await expect(recorded).resolves.toBe(false);
  });
});
