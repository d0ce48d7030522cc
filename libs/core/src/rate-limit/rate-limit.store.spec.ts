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
