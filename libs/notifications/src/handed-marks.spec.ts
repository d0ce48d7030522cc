import { DataSource } from 'typeorm';

import { HandedMarks } from './handed-marks';

/** A pg client that records what was written, in order, and answers when told. */
function fakeServer() {
  const events: string[] = [];
  const pending: Array<() => void> = [];
  const client = {
    readyForQuery: true,
    query: jest.fn((sql: string, params: unknown[]) => {
      events.push(sql.startsWith('SET') ? 'SET' : `UPDATE ${(params[0] as string[]).join(',')}`);
      client.readyForQuery = false;
      return new Promise<void>((resolve) =>
        pending.push(() => {
          client.readyForQuery = true;
          resolve();
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
  it('writes the final dots and then, in the same step, the UPDATE stamping their rows; later ones wait for that UPDATE', async () => {
    const { events, dataSource, answer } = fakeServer();
    const marks = new HandedMarks(dataSource);
    const dot = (id: string) => () => {
      events.push(`dot ${id}`);
      return true;
    };
    marks.hand('a', dot('a'));
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['SET']);
    await answer(); // the session's SET
    expect(events).toEqual(['SET', 'dot a', 'UPDATE a']);
    marks.hand('b', dot('b'));
    marks.hand('c', dot('c'));
    // Held while the first UPDATE is in flight: a dot out before its mark could be written would be a resend if killed now.
    expect(events).toEqual(['SET', 'dot a', 'UPDATE a']);
    await answer();
    expect(events).toEqual(['SET', 'dot a', 'UPDATE a', 'dot b', 'dot c', 'UPDATE b,c']);
  });

  it('writes at most 8 dots per UPDATE, so a kill in the middle of a flush resends few', async () => {
    const { events, dataSource, answer } = fakeServer();
    const marks = new HandedMarks(dataSource);
    const ids = Array.from({ length: 11 }, (_, i) => `m${i}`);
    for (const id of ids) {
      marks.hand(id, () => events.push(`dot ${id}`) > 0);
    }
    await new Promise((r) => setImmediate(r));
    await answer(); // SET
    expect(events.filter((e) => e.startsWith('UPDATE'))).toEqual([`UPDATE ${ids.slice(0, 8).join(',')}`]);
    await answer();
    expect(events.slice(-4)).toEqual(['dot m8', 'dot m9', 'dot m10', `UPDATE m8,m9,m10`]);
  });

  it('leaves out of the UPDATE a message whose connection closed (nothing was written)', async () => {
    const { events, dataSource, answer } = fakeServer();
    const marks = new HandedMarks(dataSource);
    marks.hand('gone', () => false);
    marks.hand('ok', () => {
      events.push('dot ok');
      return true;
    });
    await new Promise((r) => setImmediate(r));
    await answer();
    expect(events).toEqual(['SET', 'dot ok', 'UPDATE ok']);
  });

  it('writes the dot at once on PGlite (no server connection of its own)', () => {
    const dataSource = { options: { type: 'postgres' } } as unknown as DataSource;
    const written: string[] = [];
    new HandedMarks(dataSource).hand('x', () => written.push('x') > 0);
    expect(written).toEqual(['x']);
  });
});
