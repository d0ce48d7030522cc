import { FakeClock } from '@latchkey/core';
import { DataSource } from 'typeorm';

import { DeliveredMarks } from './delivered-marks';

/** A database whose UPDATEs finish only when the test lets them. */
function slowDatabase() {
  const calls: Array<{ sql: string; params: unknown[]; finish: (err?: Error) => void }> = [];
  const dataSource = {
    query: jest.fn(
      (sql: string, params: unknown[]) =>
        new Promise((resolve, reject) => calls.push({ sql, params, finish: (err) => (err ? reject(err) : resolve([[], 0])) })),
    ),
  } as unknown as DataSource;
  return { dataSource, calls };
}

describe('DeliveredMarks', () => {
  it('sends the first mark at once, without waiting on a timer', () => {
    const { dataSource, calls } = slowDatabase();
    const sut = new DeliveredMarks(dataSource, new FakeClock());
    void sut.mark('a', 'delivered');
    expect(calls).toHaveLength(1);
    expect(calls[0].params[0]).toEqual(['a']);
    expect(calls[0].params[1]).toBe('delivered');
  });

  it('puts the marks that arrive while two UPDATEs are in flight into one UPDATE, sent when one of them returns', async () => {
    const { dataSource, calls } = slowDatabase();
    const sut = new DeliveredMarks(dataSource, new FakeClock());
    const a = sut.mark('a', 'delivered');
    void sut.mark('b', 'delivered');
    void sut.mark('c', 'delivered');
    void sut.mark('d', 'delivered');
    expect(calls.map((c) => c.params[0])).toEqual([['a'], ['b']]);
    calls[0].finish();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(calls.map((c) => c.params[0])).toEqual([['a'], ['b'], ['c', 'd']]);
  });

  it('resolves a mark only once its UPDATE committed, retrying while the database refuses', async () => {
    jest.useFakeTimers();
    try {
      const { dataSource, calls } = slowDatabase();
      const sut = new DeliveredMarks(dataSource, new FakeClock());
      let done = false;
      const p = sut.mark('a', 'skipped').then(() => (done = true));
      calls[0].finish(new Error('the database system is starting up'));
      await jest.advanceTimersByTimeAsync(250);
      expect(done).toBe(false);
      expect(calls).toHaveLength(2);
      expect(calls[1].params).toEqual([['a'], 'skipped', expect.any(Date)]);
      calls[1].finish();
      await p;
      expect(done).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
