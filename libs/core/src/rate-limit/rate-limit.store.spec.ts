import type Redis from 'ioredis';

import { FallbackRateLimitStore, PostgresRateLimitStore, RedisRateLimitStore } from './rate-limit.store';

function stores(redisUp: { value: boolean }) {
  const primary = {
    hit: jest.fn(async () => {
      if (!redisUp.value) {
        throw new Error('Redis unreachable');
      }
      return { count: 1, resetAt: 0 };
    }),
    peek: jest.fn(async () => undefined),
    reset: jest.fn(async () => undefined),
    pass: jest.fn(async () => {
      if (!redisUp.value) {
        throw new Error('Redis unreachable');
      }
      return { counters: [] };
    }),
  };
  const fallback = {
    hit: jest.fn(async () => ({ count: 1, resetAt: 0 })),
    peek: jest.fn(async () => undefined),
    reset: jest.fn(async () => undefined),
    pass: jest.fn(async () => ({ stoppedAt: 0, counters: [{ count: 9, resetAt: 1 }] })),
  };
  const sut = new FallbackRateLimitStore(primary as unknown as RedisRateLimitStore, fallback as unknown as PostgresRateLimitStore);
  return { sut, primary, fallback };
}

describe('FallbackRateLimitStore.reset', () => {
  it("clears a success's failures in Redis only while this instance has not counted in PostgreSQL", async () => {
    const { sut, primary, fallback } = stores({ value: true });
    await sut.hit('login:attempt:a', 60_000, 0);
    await sut.reset('login:attempt:a', 'in-use');
    expect(primary.reset).toHaveBeenCalledWith('login:attempt:a');
    expect(fallback.reset).not.toHaveBeenCalled();
  });

  it('clears both once this instance counted in PostgreSQL (Redis was unreachable), so the next outage reads no stale count', async () => {
    const redisUp = { value: false };
    const { sut, primary, fallback } = stores(redisUp);
    await sut.hit('login:attempt:a', 60_000, 0);
    expect(fallback.hit).toHaveBeenCalledTimes(1);
    redisUp.value = true;
    await sut.reset('login:attempt:a', 'in-use');
    expect(primary.reset).toHaveBeenCalledWith('login:attempt:a');
    expect(fallback.reset).toHaveBeenCalledWith('login:attempt:a');
  });

  it('an unlock (the default) always clears both', async () => {
    const { sut, primary, fallback } = stores({ value: true });
    await sut.reset('login:lock:a');
    expect(primary.reset).toHaveBeenCalledWith('login:lock:a');
    expect(fallback.reset).toHaveBeenCalledWith('login:lock:a');
  });
});

describe('FallbackRateLimitStore.pass', () => {
  const gates = [{ key: 'login:ip:a', hit: { windowMs: 60_000, limit: 3 } }];

  it("runs the gates on Redis's script while Redis answers, and on PostgreSQL's counters while it does not", async () => {
    const redisUp = { value: true };
    const { sut, primary, fallback } = stores(redisUp);
    await expect(sut.pass(gates, 0)).resolves.toEqual({ counters: [] });
    expect(fallback.pass).not.toHaveBeenCalled();

    redisUp.value = false;
    await expect(sut.pass(gates, 0)).resolves.toEqual({ stoppedAt: 0, counters: [{ count: 9, resetAt: 1 }] });
    expect(primary.pass).toHaveBeenCalledTimes(2);
    expect(fallback.pass).toHaveBeenCalledWith(gates, 0);
  });
});

describe('RedisRateLimitStore.pass', () => {
  /** A Redis whose gates script answers what it is told, recording what it was sent. */
  function redisAnswering(reply: Array<number | string>) {
    const sent: unknown[][] = [];
    const redis = {
      defineCommand: jest.fn(),
      latchkeyRateHit: jest.fn(),
      latchkeyRateGates: jest.fn(async (...args: unknown[]) => {
        sent.push(args);
        return reply;
      }),
    };
    return { sent, sut: new RedisRateLimitStore(redis as unknown as Redis, 'lk') };
  }
  const gates = [
    { key: 'login:ip:1.2.3.4', hit: { windowMs: 900_000, limit: 50 } },
    { key: 'login:lock:e', absent: true },
    { key: 'login:attempt:e', hit: { windowMs: 900_000, limit: 5 } },
  ] as const;

  it('sends every gate to one script, and reads a run where all passed (an absent lock is no counter)', async () => {
    const { sent, sut } = redisAnswering([0, 3, '1000', 0, '0', 2, '1000']);
    await expect(sut.pass(gates, 100)).resolves.toEqual({
      counters: [{ count: 3, resetAt: 1000 }, undefined, { count: 2, resetAt: 1000 }],
    });
    expect(sent).toEqual([
      [3, 'lk:rl:login:ip:1.2.3.4', 'lk:rl:login:lock:e', 'lk:rl:login:attempt:e', 100, 'h', 900_000, 50, 'a', 0, 0, 'h', 900_000, 5],
    ]);
  });

  it('reads a run stopped at a live lock (its counter, even at 0) and one stopped at the attempt count', async () => {
    await expect(redisAnswering([2, 3, '1000', 0, '5000']).sut.pass(gates, 100)).resolves.toEqual({
      stoppedAt: 1,
      counters: [
        { count: 3, resetAt: 1000 },
        { count: 0, resetAt: 5000 },
      ],
    });
    await expect(redisAnswering([3, 3, '1000', 0, '0', 6, '1000']).sut.pass(gates, 100)).resolves.toEqual({
      stoppedAt: 2,
      counters: [{ count: 3, resetAt: 1000 }, undefined, { count: 6, resetAt: 1000 }],
    });
  });
});
