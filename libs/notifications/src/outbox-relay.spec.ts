import { AppConfig, FakeClock, QueueDriver } from '@latchkey/core';
import { DataSource } from 'typeorm';

import { DELIVERY_BATCH } from './notifications.constants';
import { OutboxRelay } from './outbox-relay';
import { WorkerLease } from './worker-lease';

const config = { notifications: { maxAttempts: 5, backoffMs: 2000 } } as AppConfig;

function setup(kind: 'bull' | 'in-process', claimed: number) {
  const rows = Array.from({ length: claimed }, (_, i) => ({ id: `row-${i}`, generation: 3 }));
  const queries: Array<{ sql: string; params?: unknown[] }> = [];
  const dataSource = {
    query: jest.fn(async (sql: string, params?: unknown[]) => {
      queries.push({ sql, params });
      if (sql.includes(`SET status = 'queued'`)) {
        return [rows, rows.length];
      }
      return [[], 0];
    }),
  } as unknown as DataSource;
  const queue = { kind, addBulk: jest.fn(async () => undefined), onReconnect: jest.fn() } as unknown as QueueDriver & {
    addBulk: jest.Mock;
  };
  const lease = { ensure: jest.fn(async () => 'worker-1'), id: 'worker-1' } as unknown as WorkerLease;
  const sut = new OutboxRelay(dataSource, queue, new FakeClock(), config, lease);
  return { sut, queue, queries };
}

describe('OutboxRelay', () => {
  it('claims a batch in one statement and hands it to the queue in one bulk add, as jobs of DELIVERY_BATCH ids', async () => {
    const { sut, queue, queries } = setup('bull', 120);
    await expect(sut.relayOnce()).resolves.toBe(120);
    expect(queries.filter((q) => q.sql.includes(`SET status = 'queued'`))).toHaveLength(1);
    expect(queue.addBulk).toHaveBeenCalledTimes(1);
    const jobs = queue.addBulk.mock.calls[0][1] as Array<{ data: { outboxIds: string[] }; opts: { jobId: string; attempts: number } }>;
    expect(jobs.map((j) => j.data.outboxIds.length)).toEqual([DELIVERY_BATCH, DELIVERY_BATCH, 120 - 2 * DELIVERY_BATCH]);
    expect(jobs[1]).toMatchObject({ opts: { jobId: `row-${DELIVERY_BATCH}.3`, attempts: 5 } });
    expect(jobs.flatMap((j) => j.data.outboxIds)).toEqual(Array.from({ length: 120 }, (_, i) => `row-${i}`));
  });

  it('names this worker on the rows it relays, so they move on if it dies before or after the add', async () => {
    const bull = setup('bull', 1);
    await bull.sut.relayOnce();
    expect(bull.queries.find((q) => q.sql.includes(`SET status = 'queued'`))?.params?.[2]).toBe('worker-1');
    const local = setup('in-process', 1);
    await local.sut.relayOnce();
    expect(local.queries.find((q) => q.sql.includes(`SET status = 'queued'`))?.params?.[2]).toBe('worker-1');
  });

  it('puts the rows back in the outbox and throws when the queue refuses the batch', async () => {
    const { sut, queue, queries } = setup('bull', 3);
    queue.addBulk.mockRejectedValueOnce(new Error('Adding 1 job(s) to notifications timed out after 3000 ms'));
    await expect(sut.relayOnce()).rejects.toThrow(/queue refused 3 notification\(s\), kept in the outbox/);
    const back = queries.find((q) => q.sql.includes(`SET status = 'pending'`) && q.sql.includes('ANY($1::uuid[])'));
    expect(back?.params).toEqual([['row-0', 'row-1', 'row-2']]);
  });

  it('takes over the rows of workers whose heartbeat is older than the timeout before claiming', async () => {
    const { sut, queries } = setup('bull', 0);
    await sut.relayOnce();
    const reclaim = queries.findIndex((q) => q.sql.includes('notification_workers w WHERE w.id = o.worker_id'));
    const claim = queries.findIndex((q) => q.sql.includes(`SET status = 'queued'`));
    expect(reclaim).toBeGreaterThanOrEqual(0);
    expect(reclaim).toBeLessThan(claim);
    expect(queries[reclaim].sql).toMatch(/heartbeat_at > now\(\) - make_interval\(secs => 8\)/);
    // A dead worker's row whose final dot went out (HandedMarks stamped delivered_at) is delivered, not sent again.
    expect(queries[reclaim].sql).toMatch(
      /SET status = CASE WHEN o\.status = 'sending' AND o\.delivered_at IS NOT NULL THEN 'delivered' ELSE 'pending' END/,
    );
  });
});
