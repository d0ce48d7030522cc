import { AuditService } from '@latchkey/audit';
import { ReauthService } from '@latchkey/auth';
import { APP_CONFIG, AppConfig, Clock, Links, UserPrincipal, RateLimitStore } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UserTokensService, UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { OwnedAccounts, soleOwnerBlocking } from './deletion-sweep';

const DAY_MS = 24 * 3600_000;
/** Cancel links tried per IP per 15 minutes (the tokens are 256-bit: this stops scanning, not guessing). */
const CANCEL_LINK_PER_IP = 30;
const CANCEL_LINK_WINDOW_MS = 15 * 60_000;

/**
 * Self-service deletion with a grace period (Auth0, Clerk and most SaaS do the same):
 * `DELETE /me` proves it is the user (password, and a code with 2FA), checks the sole-owner
 * rule, ends every session and schedules the erasure DELETION_GRACE_DAYS later with a mailed
 * cancel link. Signing in during the grace period works, and the user's profile carries
 * `deletionScheduledFor` so the console offers to cancel. The worker's DeletionSweep erases the
 * user when the date has passed.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly sessions: SessionsService,
    private readonly reauth: ReauthService,
    private readonly tokens: UserTokensService,
    private readonly links: Links,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get graceMs(): number {
    return this.config.privacy.deletionGraceDays * DAY_MS;
  }

  async schedule(principal: UserPrincipal, proof: { password?: string; code?: string }): Promise<{ deletionScheduledFor: string }> {
    // Irreversible in the end: the password (and a code with 2FA) every time, even on a fresh session.
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    this.assertNotSoleOwner(await this.accounts.listForUser(principal.userId));
    const propagated = this.sessions.watch(principal.userId);
    const when = await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const user = await this.lockUser(principal.userId, m);
      // Asking again keeps the date already promised; it only sends a fresh link.
      const at = user.deletionScheduledFor ?? new Date(this.clock.nowMs() + this.graceMs);
      await this.users.setDeletionDate(user.id, at, m);
      const token = await this.tokens.issue(user.id, 'deletion_cancel', at.getTime() - this.clock.nowMs(), {}, m);
      await this.sessions.revokeAll(user.id, { reason: 'deletion_scheduled' }, m);
      await this.audit.record(
        {
          action: AccountAuditAction.DeletionScheduled,
          actorUserId: user.id,
          subjectUserId: user.id,
          metadata: { deletionScheduledFor: at.toISOString() },
        },
        m,
      );
      await this.notifications.notify(
        {
          event: 'security.deletion_scheduled',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: { deleteOn: at.toISOString().slice(0, 10), cancelLink: this.links.build('cancel_deletion', token) },
        },
        m,
      );
      return at;
    });
    this.sessions.invalidate(principal.userId);
    await propagated;
    return { deletionScheduledFor: when.toISOString() };
  }

  /** Signed in during the grace period. */
  async cancel(principal: UserPrincipal): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const user = await this.lockUser(principal.userId, m);
      if (!user.deletionScheduledFor) {
        throw accountsError('DELETION_NOT_SCHEDULED', 'Your account is not scheduled for deletion.');
      }
      await this.cancelLocked(user, 'console', m);
    });
  }

  /** By the mailed link alone: the token is single-use and lives until the deletion date. */
  async cancelByToken(token: string, ip: string | undefined): Promise<string> {
    const now = this.clock.nowMs();
    const hit = await this.rateLimits.hit(`deletion:link:ip:${ip ?? 'unknown'}`, CANCEL_LINK_WINDOW_MS, now);
    if (hit.count > CANCEL_LINK_PER_IP) {
      throw accountsError('DELETION_LINK_THROTTLED', 'Too many attempts from this network: try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
      });
    }
    return this.dataSource.transaction(async (m) => {
      const used = await this.tokens.consume('deletion_cancel', token, m);
      const user = used ? await this.lockUser(used.userId, m).catch(() => undefined) : undefined;
      if (!user?.deletionScheduledFor) {
        throw accountsError(
          'DELETION_LINK_INVALID',
          'This link is no longer valid: it was used, it expired, or the deletion was already cancelled.',
        );
      }
      await this.cancelLocked(user, 'link', m);
      return user.id;
    });
  }

  private async cancelLocked(user: User, via: 'console' | 'link', m: EntityManager): Promise<void> {
    await this.users.setDeletionDate(user.id, null, m);
    await this.tokens.voidAll(user.id, 'deletion_cancel', m);
    await this.audit.record(
      { action: AccountAuditAction.DeletionCancelled, actorUserId: user.id, subjectUserId: user.id, metadata: { via } },
      m,
    );
    await this.notifications.notify(
      {
        event: 'security.deletion_cancelled',
        to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
      },
      m,
    );
  }

  private assertNotSoleOwner(mine: OwnedAccounts): void {
    const blocking = soleOwnerBlocking(mine);
    if (blocking.length) {
      throw accountsError('SOLE_OWNER', 'You are the only owner of an account with other members: transfer ownership first.', {
        data: {
          accountIds: blocking.map((a) => a.account_id),
          accounts: blocking.map((a) => ({ accountId: a.account_id, name: a.name, members: a.members })),
        },
      });
    }
  }

  private async lockUser(userId: string, m: EntityManager): Promise<User> {
    const user = await this.users.lockForUpdate(userId, m);
    if (!user) {
      throw accountsError('DELETION_LINK_INVALID', 'This link is no longer valid.');
    }
    return user;
  }
}
