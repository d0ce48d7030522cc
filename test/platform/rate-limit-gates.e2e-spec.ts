import { randomUUID } from 'node:crypto';

import { RateLimitStore } from '@latchkey/core';
import Redis from 'ioredis';

import { PostgresRateLimitStore, RedisRateLimitStore } from '../../libs/core/src/rate-limit/rate-limit.store';
import { TestApp, createTestApp } from '../setup/test-app';
import { TEST_REDIS_URL } from '../setup/test-env';

const MINUTE = 60_000;

/**
 * RateLimitStore.pass (a sign-in's IP limit, the email's lock and its attempt count in one round
 * trip) answers as hit and peek one by one would: the same scenarios on the app's own store, on
 * PostgreSQL's counters and, when TEST_REDIS_URL is set, on Redis's script.
 */
describe('Rate-limit gates in one round trip', () => {
  let t: TestApp;
  let redis: Redis | undefined;
  const stores: Array<[string, () => RateLimitStore]> = [
    ["the app's store", () => t.app.get(RateLimitStore)],
    ['PostgreSQL', () => new PostgresRateLimitStore(t.dataSource)],
  ];
  if (TEST_REDIS_URL) {
    stores.push(['Redis', () => new RedisRateLimitStore(redis!, `gates-${randomUUID()}`)]);
  }

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    redis = TEST_REDIS_URL ? new Redis(TEST_REDIS_URL) : undefined;
  });

  afterAll(async () => {
    await redis?.quit();
    await t?.close();
  });

  describe.each(stores)('on %s', (_name, storeOf) => {
    let store: RateLimitStore;
    let k: string;
    const gates = () =>
      [
        { key: `${k}:ip`, hit: { windowMs: 15 * MINUTE, limit: 3 } },
        { key: `${k}:lock`, absent: true },
        { key: `${k}:attempt`, hit: { windowMs: 15 * MINUTE, limit: 2 } },
      ] as const;

    beforeEach(() => {
      store = storeOf();
      k = `test:${randomUUID()}`;
    });

    it('counts every gate while all pass, and stops at the hit that goes over its limit', async () => {
      const now = Date.UTC(2026, 11, 1, 10);
      expect(await store.pass(gates(), now)).toEqual({
        counters: [{ count: 1, resetAt: now + 15 * MINUTE }, undefined, { count: 1, resetAt: now + 15 * MINUTE }],
      });
      await store.pass(gates(), now + 1000);
      const third = await store.pass(gates(), now + 2000);
      expect(third.stoppedAt).toBe(2);
      expect(third.counters.map((c) => c?.count)).toEqual([3, undefined, 3]);

      // The IP's fourth is over its limit: the lock and the attempt are not looked at.
      const fourth = await store.pass(gates(), now + 3000);
      expect(fourth).toEqual({ stoppedAt: 0, counters: [{ count: 4, resetAt: now + 15 * MINUTE }] });
      expect((await store.peek(`${k}:attempt`, now + 3000))?.count).toBe(3);

      // A new window starts over.
      expect((await store.pass(gates(), now + 15 * MINUTE)).counters.map((c) => c?.count)).toEqual([1, undefined, 1]);
    });

    it('stops at a live lock without counting the attempt, and passes it once it has run out', async () => {
      const now = Date.UTC(2026, 11, 1, 11);
      await store.hit(`${k}:lock`, MINUTE, now);
      const locked = await store.pass(gates(), now + 1000);
      expect(locked).toEqual({
        stoppedAt: 1,
        counters: [
          { count: 1, resetAt: now + 1000 + 15 * MINUTE },
          { count: 1, resetAt: now + MINUTE },
        ],
      });
      expect(await store.peek(`${k}:attempt`, now + 1000)).toBeUndefined();

      const later = await store.pass(gates(), now + MINUTE);
      expect(later.stoppedAt).toBeUndefined();
      expect(later.counters.map((c) => c?.count)).toEqual([2, undefined, 1]);
    });
  });
});
