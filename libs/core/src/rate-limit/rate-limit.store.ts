import Redis from 'ioredis';
import { DataSource } from 'typeorm';

export interface Counter {
  count: number;
  /** Epoch ms when the window ends. */
  resetAt: number;
}

/**
 * One check of `RateLimitStore.pass`: a `hit` counts one (as `hit`) and stops the run when the
 * count passes `limit`; an `absent` check stops it when the key's counter is live (as `peek`).
 */
export type RateGate = { key: string; hit: { windowMs: number; limit: number } } | { key: string; absent: true };

export interface GatesPassed {
  /** Index of the gate that stopped the run; undefined when all passed. */
  stoppedAt?: number;
  /** Each gate's counter, up to and including the one that stopped (undefined: an absent key). */
  counters: Array<Counter | undefined>;
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

  /**
   * Runs the gates in order and stops at the first that refuses (a sign-in's IP limit, then the
   * email's lock, then its attempt count): the same answers as calling hit and peek one by one,
   * which this does; Redis runs them as one script (one round trip instead of one per gate).
   */
  async pass(gates: readonly RateGate[], nowMs: number): Promise<GatesPassed> {
    const counters: Array<Counter | undefined> = [];
    for (const [i, gate] of gates.entries()) {
      if ('hit' in gate) {
        const counter = await this.hit(gate.key, gate.hit.windowMs, nowMs);
        counters.push(counter);
        if (counter.count > gate.hit.limit) {
          return { stoppedAt: i, counters };
        }
      } else {
        const counter = await this.peek(gate.key, nowMs);
        counters.push(counter);
        if (counter) {
          return { stoppedAt: i, counters };
        }
      }
    }
    return { counters };
  }

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

/**
 * RateLimitStore.pass in one script. KEYS: the gates' keys; ARGV: now, then per gate its kind
 * ('h' a hit, 'a' an absent check), window and limit. Answers the index (1-based) of the gate
 * that stopped the run, or 0, then each gate's count and reset time as far as it ran (0 and '0'
 * for an absent key). A hit is HIT_SCRIPT's, cost 1.
 */
const GATES_SCRIPT = `
local now = tonumber(ARGV[1])
local out = {0}
for i, key in ipairs(KEYS) do
  local kind = ARGV[3 * i - 1]
  local v = redis.call('HMGET', key, 'c', 'r')
  local c = tonumber(v[1])
  local r = tonumber(v[2])
  if kind == 'a' then
    if c and r and r > now then
      out[#out + 1] = c
      out[#out + 1] = tostring(r)
      out[1] = i
      return out
    end
    out[#out + 1] = 0
    out[#out + 1] = '0'
  else
    local win = tonumber(ARGV[3 * i])
    if (not c) or (not r) or r <= now then
      c = 1
      r = now + win
    else
      c = c + 1
    end
    redis.call('HSET', key, 'c', c, 'r', r)
    redis.call('PEXPIRE', key, math.max(r - now, 0) + 86400000)
    out[#out + 1] = c
    out[#out + 1] = tostring(r)
    if c > tonumber(ARGV[3 * i + 1]) then
      out[1] = i
      return out
    end
  end
end
return out
`;

type GatesCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<Array<number | string>>;

export class RedisRateLimitStore extends RateLimitStore {
  /** HIT_SCRIPT by its SHA1 (EVALSHA; ioredis sends the text once per connection, and again on NOSCRIPT), not its text on every hit. */
  private readonly hitCommand: HitCommand;
  private readonly gatesCommand: GatesCommand;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
    redis.defineCommand('latchkeyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    // The number of keys varies: ioredis then takes it as the first argument.
    redis.defineCommand('latchkeyRateGates', { lua: GATES_SCRIPT });
    const commands = redis as unknown as { latchkeyRateHit: HitCommand; latchkeyRateGates: GatesCommand };
    this.hitCommand = commands.latchkeyRateHit.bind(redis);
    this.gatesCommand = commands.latchkeyRateGates.bind(redis);
  }

  override async pass(gates: readonly RateGate[], nowMs: number): Promise<GatesPassed> {
    if (gates.length === 0) {
      return { counters: [] };
    }
    const keys = gates.map((g) => `${this.prefix}:rl:${g.key}`);
    const args = gates.flatMap((g) => ('hit' in g ? ['h', g.hit.windowMs, g.hit.limit] : ['a', 0, 0]));
    const [stopped, ...flat] = await this.gatesCommand(gates.length, ...keys, nowMs, ...args);
    const stoppedAt = Number(stopped) > 0 ? Number(stopped) - 1 : undefined;
    const counters: Array<Counter | undefined> = [];
    for (let i = 0; i < flat.length / 2; i++) {
      // An absent check that passed found no live counter.
      const found = 'hit' in gates[i] || i === stoppedAt;
      counters.push(found ? { count: Number(flat[2 * i]), resetAt: Number(flat[2 * i + 1]) } : undefined);
    }
    return stoppedAt === undefined ? { counters } : { stoppedAt, counters };
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

  override pass(gates: readonly RateGate[], nowMs: number): Promise<GatesPassed> {
    return this.attempt((s) => s.pass(gates, nowMs));
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
