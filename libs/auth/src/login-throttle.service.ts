import { createHash } from 'node:crypto';

import { APP_CONFIG, AppConfig, Clock, RateLimitStore } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';

import { authError } from './auth.exception';

const WINDOW_MS = 15 * 60_000;
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 24 * 3600_000;
const LEVEL_MEMORY_MS = 24 * 3600_000;

export interface AttemptTicket {
  emailKey: string;
  attempt: number;
}

/**
 * Brute-force protection, keyed by IP and by the email typed (whether or not it has an
 * account, so the behaviour reveals nothing). An attempt reserves its slot before the password
 * is hashed: a burst of 4N guesses runs at most N hash checks. The N-th failure locks the email
 * for 1, 2, 4, ... minutes (up to a day) as lockouts repeat.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  static emailKey(email: string): string {
    return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
  }

  async checkIp(ip: string | undefined, scope = 'login'): Promise<void> {
    const now = this.clock.nowMs();
    const hit = await this.store.hit(`${scope}:ip:${ip ?? 'unknown'}`, WINDOW_MS, now);
    if (hit.count > this.config.auth.loginIpLimit) {
      throw this.tooManyError(hit.resetAt, now);
    }
  }

  /**
   * The IP limit (as checkIp), then the email's lock, then an attempt reserved for it: one round
   * trip to the store (RateLimitStore.pass). Throws TOO_MANY_ATTEMPTS for the IP, or
   * ACCOUNT_LOCKED (with `lockedNow` when this attempt was the one over the limit and locked).
   */
  async reserve(ip: string | undefined, email: string): Promise<AttemptTicket> {
    const emailKey = LoginThrottle.emailKey(email);
    const now = this.clock.nowMs();
    const { stoppedAt, counters } = await this.store.pass(
      [
        { key: `login:ip:${ip ?? 'unknown'}`, hit: { windowMs: WINDOW_MS, limit: this.config.auth.loginIpLimit } },
        { key: `login:lock:${emailKey}`, absent: true },
        { key: `login:attempt:${emailKey}`, hit: { windowMs: WINDOW_MS, limit: this.config.auth.loginMaxFailures } },
      ],
      now,
    );
    if (stoppedAt === 0) {
      throw this.tooManyError(counters[0]!.resetAt, now);
    }
    if (stoppedAt === 1) {
      throw this.lockedError(counters[1]!.resetAt, now);
    }
    if (stoppedAt === 2) {
      const lock = await this.lock(emailKey);
      throw Object.assign(this.lockedError(lock.until.getTime(), now), { lockedNow: lock.created ? lock.until : undefined });
    }
    return { emailKey, attempt: counters[2]!.count };
  }

  /** After a wrong password: locks when this was the last allowed failure. Returns the lock end if this call locked. */
  async failed(ticket: AttemptTicket): Promise<Date | undefined> {
    if (ticket.attempt >= this.config.auth.loginMaxFailures) {
      const lock = await this.lock(ticket.emailKey);
      return lock.created ? lock.until : undefined;
    }
    return undefined;
  }

  /** Gives back a reserved attempt that never reached a verdict (the database was unreachable, say). */
  async release(ticket: AttemptTicket): Promise<void> {
    await this.store.hit(`login:attempt:${ticket.emailKey}`, WINDOW_MS, this.clock.nowMs(), -1).catch(() => undefined);
  }

  async succeeded(ticket: AttemptTicket): Promise<void> {
    await this.store.reset(`login:attempt:${ticket.emailKey}`, 'in-use');
  }

  async unlock(email: string): Promise<void> {
    const key = LoginThrottle.emailKey(email);
    await Promise.all([
      this.store.reset(`login:lock:${key}`),
      this.store.reset(`login:attempt:${key}`),
      this.store.reset(`login:level:${key}`),
    ]);
  }

  private async lock(emailKey: string): Promise<{ until: Date; created: boolean }> {
    const now = this.clock.nowMs();
    const existing = await this.store.peek(`login:lock:${emailKey}`, now);
    if (existing) {
      return { until: new Date(existing.resetAt), created: false };
    }
    const level = await this.store.hit(`login:level:${emailKey}`, LEVEL_MEMORY_MS, now);
    const ms = Math.min(FIRST_LOCK_MS * 2 ** (level.count - 1), MAX_LOCK_MS);
    const lock = await this.store.hit(`login:lock:${emailKey}`, ms, now);
    await this.store.reset(`login:attempt:${emailKey}`);
    return { until: new Date(lock.resetAt), created: lock.count === 1 };
  }

  private tooManyError(resetAt: number, now: number) {
    return authError('TOO_MANY_ATTEMPTS', 'Too many attempts from your network. Try again later.', {
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    });
  }

  private lockedError(resetAt: number, now: number) {
    return authError('ACCOUNT_LOCKED', 'Too many failed sign-ins for this email. Try again later or reset your password.', {
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    });
  }
}
