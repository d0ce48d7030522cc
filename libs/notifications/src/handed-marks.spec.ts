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
