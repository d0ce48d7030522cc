import { Clock, Counter, RateLimitStore } from '@latchkey/core';
import { User } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from './mfa.constants';
import { mfaError } from './mfa.exception';
import { MfaNotifier } from './mfa-notifier';

export interface MfaCheckTicket {
  userId: string;
  count: number;
}

/**
 * The failure counter of second-factor checks, per user and across challenges: every check is
 * reserved before the code is looked at, and the check that reaches the limit locks them.
 */
@Injectable()
export class MfaLock {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    private readonly notifier: MfaNotifier,
  ) {}

  private lockKey(userId: string) {
    return `mfa:fail:${userId}`;
  }

  private lockedError(resetAt: number) {
    return mfaError('MFA_LOCKED', 'Too many wrong codes. Two-factor attempts on this account are paused for a while; we emailed you.', {
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - this.clock.nowMs()) / 1000)),
    });
  }

  /** Throws while locked (for sending codes; checks go through reserveCheck). */
  async assertNotLocked(userId: string): Promise<Counter | undefined> {
    const counter = await this.rateLimits.peek(this.lockKey(userId), this.clock.nowMs());
    if (counter && counter.count >= this.options.lockAfterFailures) {
      throw this.lockedError(counter.resetAt);
    }
    return counter;
  }

  /**
   * Reserves one check on the failure counter before the code is looked at, atomically, as for
   * passwords: parallel guesses cannot run more checks than the limit. MFA_LOCKED when none is left.
   */
  async reserveCheck(userId: string): Promise<MfaCheckTicket> {
    const now = this.clock.nowMs();
    const counter = await this.rateLimits.hit(this.lockKey(userId), this.options.lockWindowMs, now);
    if (counter.count > this.options.lockAfterFailures) {
      await this.rateLimits.hit(this.lockKey(userId), this.options.lockWindowMs, now, -1).catch(() => undefined);
      throw this.lockedError(counter.resetAt);
    }
    return { userId, count: counter.count };
  }

  /** Gives back a reserved check that did not fail (a right code, or no verdict). */
  async releaseCheck(ticket: MfaCheckTicket): Promise<void> {
    await this.rateLimits.hit(this.lockKey(ticket.userId), this.options.lockWindowMs, this.clock.nowMs(), -1).catch(() => undefined);
  }

  /** A reserved check failed: the one that reaches the limit locks second-factor attempts and tells the user. */
  async recordFailure(user: User, ticket: MfaCheckTicket): Promise<void> {
    if (ticket.count === this.options.lockAfterFailures) {
      const counter = await this.rateLimits.peek(this.lockKey(user.id), this.clock.nowMs());
      const until = new Date(counter?.resetAt ?? this.clock.nowMs() + this.options.lockWindowMs);
      await this.dataSource.transaction(async (m) => {
        await this.notifier.record(
          { action: MfaAuditAction.Locked, subjectUserId: user.id, actorKind: 'system', metadata: { until: until.toISOString() } },
          m,
        );
        await this.notifier.notify(user, 'security.mfa_locked', { until: until.toUTCString() }, m);
      });
    }
  }

  /** After a right code: clears the count in Redis, and in PostgreSQL when this process counted there lately (RateLimitStore.reset 'in-use'). */
  async clearFailures(userId: string): Promise<void> {
    await this.rateLimits.reset(this.lockKey(userId), 'in-use');
  }
}
