import Redis from 'ioredis';
import { DataSource } from 'typeorm';

export interface Counter {
  count: number;
  /** Epoch ms when the window ends. */
  resetAt: number;
}

/**
 * Fixed-window counters shared by every instance: Redis when REDIS_URL is set, PostgreSQL
 * otherwise. "now" comes from the caller's clock, so tests can move time on both backends.
 * hit() is atomic: N concurrent hits see N distinct counts.
 */
export abstract class RateLimitStore {
  abstract hit(key: string, windowMs: number, nowMs: number, cost?: number): Promise<Counter>;
  abstract peek(key: string, nowMs: number): Promise<Counter | undefined>;
  /**
   * Clears a counter. `where: 'in-use'` (a success clearing its failures, on every sign-in) may
   * leave a copy the store is not using now (see FallbackRateLimitStore); an unlock clears all.
   */
  abstract reset(key: string, where?: 'everywhere' | 'in-use'): Promise<void>;
  async close(): Promise<void> {}
}

const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'c', 'r')
local c = tonumber(v[1])
local r = tonumber(v[2])
if (not c) or (not r) or r <= now then
  c = cost
  r = now + win
else
  c = c + cost
end
redis.call('HSET', KEYS[1], 'c', c, 'r', r)
redis.call('PEXPIRE', KEYS[1], math.max(r - now, 0) + 86400000)
return {c, tostring(r)}
`;

type HitCommand = (key: string, nowMs: number, windowMs: number, cost: number) => Promise<[number, string]>;

export class RedisRateLimitStore extends RateLimitStore {
  /** HIT_SCRIPT by its SHA1 (EVALSHA; ioredis sends the text once per connection, and again on NOSCRIPT), not its text on every hit. */
  private readonly hitCommand: HitCommand;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
    redis.defineCommand('latchkeyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    const commands = redis as unknown as { latchkeyRateHit: HitCommand };
    this.hitCommand = commands.latchkeyRateHit.bind(redis);
  }

  async hit(key: string, windowMs: number, nowMs: number, cost = 1): Promise<Counter> {
    const [count, resetAt] = await this.hitCommand(`${this.prefix}:rl:${key}`, nowMs, windowMs, cost);
    return { count: Number(count), resetAt: Number(resetAt) };
  }

  async peek(key: string, nowMs: number): Promise<Counter | undefined> {
    const [c, r] = await this.redis.hmget(`${this.prefix}:rl:${key}`, 'c', 'r');
    if (c === null || r === null || Number(r) <= nowMs) {
      return undefined;
    }
    return { count: Number(c), resetAt: Number(r) };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}:rl:${key}`);
  }

  override async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export class PostgresRateLimitStore extends RateLimitStore {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async hit(key: string, windowMs: number, nowMs: number, cost = 1): Promise<Counter> {
    const now = new Date(nowMs);
    const reset = new Date(nowMs + windowMs);
    const rows: Array<{ count: number; reset_at: Date }> = await this.dataSource.query(
      `INSERT INTO rate_limits (key, count, reset_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.reset_at <= $4 THEN EXCLUDED.count ELSE rate_limits.count + EXCLUDED.count END,
         reset_at = CASE WHEN rate_limits.reset_at <= $4 THEN EXCLUDED.reset_at ELSE rate_limits.reset_at END
       RETURNING count, reset_at`,
      [key, cost, reset, now],
    );
    return { count: Number(rows[0].count), resetAt: new Date(rows[0].reset_at).getTime() };
  }

  async peek(key: string, nowMs: number): Promise<Counter | undefined> {
    const rows: Array<{ count: number; reset_at: Date }> = await this.dataSource.query(
      `SELECT count, reset_at FROM rate_limits WHERE key = $1 AND reset_at > $2`,
      [key, new Date(nowMs)],
    );
    return rows[0] ? { count: Number(rows[0].count), resetAt: new Date(rows[0].reset_at).getTime() } : undefined;
  }

  async reset(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM rate_limits WHERE key = $1`, [key]);
  }
}

const FALLBACK_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Redis first; while Redis is unreachable the same counters live in PostgreSQL, so sign-ins
 * keep working (and keep being throttled) during a Redis outage. Commands fail fast instead of
 * queueing while Redis is down.
 */
export class FallbackRateLimitStore extends RateLimitStore {
  private warned = false;
  /** When this instance last counted in PostgreSQL (Redis unreachable). */
  private fellBackAtMs = -Infinity;

  constructor(
    private readonly primary: RedisRateLimitStore,
    private readonly fallback: PostgresRateLimitStore,
    private readonly onFallback: (err: Error) => void = () => undefined,
  ) {
    super();
  }

  private async attempt<T>(run: (s: RateLimitStore) => Promise<T>): Promise<T> {
    try {
      const result = await run(this.primary);
      this.warned = false;
      return result;
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        this.onFallback(err as Error);
      }
      this.fellBackAtMs = Date.now();
      return run(this.fallback);
    }
  }

  hit(key: string, windowMs: number, nowMs: number, cost = 1): Promise<Counter> {
    return this.attempt((s) => s.hit(key, windowMs, nowMs, cost));
  }

  peek(key: string, nowMs: number): Promise<Counter | undefined> {
    return this.attempt((s) => s.peek(key, nowMs));
  }

  /**
   * Clears the counter in Redis and in PostgreSQL, where an outage may have left a copy that the
   * next outage would read. A success clearing its failures ('in-use', every sign-in) skips
   * PostgreSQL unless this process counted there in the last day: a DELETE per sign-in was one of
   * its round trips. What that can leave (counted by another instance, e.g. one cut off from Redis
   * alone, or by this one before a restart) is read only during a later outage, within the
   * count's window: stricter for a while, never looser. An unlock always clears both.
   */
  async reset(key: string, where: 'everywhere' | 'in-use' = 'everywhere'): Promise<void> {
    const both = where === 'everywhere' || Date.now() - this.fellBackAtMs < FALLBACK_MEMORY_MS;
    await Promise.allSettled(both ? [this.primary.reset(key), this.fallback.reset(key)] : [this.primary.reset(key)]);
  }

  override async close(): Promise<void> {
    await this.primary.close();
  }
}
