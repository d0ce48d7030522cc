import { AuditService } from '@latchkey/audit';
import { ReauthService } from '@latchkey/auth';
import { APP_CONFIG, AppConfig, Clock, Links, PersonalDataErasure, Principal, RateLimitStore } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UserTokensService } from '@latchkey/users';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole } from './account-role';
import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';

const DAY_MS = 24 * 3600_000;
/** Cancel links tried per IP per 15 minutes (the tokens are 256-bit: this stops scanning, not guessing). */
const CANCEL_LINK_PER_IP = 30;
const CANCEL_LINK_WINDOW_MS = 15 * 60_000;
/** Users erased per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 20;
const SWEEP_INTERVAL_MS = 60_000;

type Owned = Awaited<ReturnType<AccountsRepository['listForUser']>>;

/**
 * Self-service deletion with a grace period (Auth0, Clerk and most SaaS do the same):
 * `DELETE /me` proves it is the user (password, and a code with 2FA), checks the sole-owner
 * rule, ends every session and schedules the erasure DELETION_GRACE_DAYS later with a mailed
 * cancel link. Signing in during the grace period works, and the user's profile carries
 * `deletionScheduledFor` so the console offers to cancel. The worker's sweep erases the user
 * when the date has passed: every lib's erasure part (audit pseudonymised, outbox, tickets,
 * invitations), accounts where they are the only member, then the user row and its cascades.
 */
@Injectable()
export class AccountDeletionService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AccountDeletionService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly sessions: SessionsService,
    private readonly reauth: ReauthService,
    private readonly tokens: UserTokensService,
    private readonly links: Links,
    private readonly erasure: PersonalDataErasure,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // Invitations addressed to the erased user go; memberships cascade with the user row.
    this.erasure.register({
      area: 'accounts',
      erase: async (s, m) => {
        await m.query(`DELETE FROM invitations WHERE lower(email) = lower($1)`, [s.email]);
      },
    });
  }

  /** The worker's sweep: every `intervalMs`, erase the users whose grace period is over (several workers share it safely). */
  startSweeping(intervalMs = SWEEP_INTERVAL_MS): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => {
      this.eraseDue().catch((err: Error) => this.logger.warn(`Deletion sweep: ${err.message}`));
    }, intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private get graceMs(): number {
    return this.config.privacy.deletionGraceDays * DAY_MS;
  }

  async schedule(principal: Principal, proof: { password?: string; code?: string }): Promise<{ deletionScheduledFor: string }> {
    // Irreversible in the end: the password (and a code with 2FA) every time, even on a fresh session.
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    this.assertNotSoleOwner(await this.accounts.listForUser(principal.userId));
    const propagated = this.sessions.watch(principal.userId);
    const when = await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const user = await this.lockUser(principal.userId, m);
      // Asking again keeps the date already promised; it only sends a fresh link.
      const at = user.deletionScheduledFor ?? new Date(this.clock.nowMs() + this.graceMs);
      await m.getRepository(User).update({ id: user.id }, { deletionScheduledFor: at });
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
  async cancel(principal: Principal): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const user = await this.lockUser(principal.userId, m);
      if (!user.deletionScheduledFor) {
        throw accountsError('DELETION_NOT_SCHEDULED', 'Your account is not scheduled for deletion.');
      }
      await this.cancelLocked(user, 'console', m);
    });
  }

  /** By the mailed link alone: the token is single-use and lives until the deletion date. */
  async cancelByToken(token: string, ip: string | undefined): Promise<void> {
    const now = this.clock.nowMs();
    const hit = await this.rateLimits.hit(`deletion:link:ip:${ip ?? 'unknown'}`, CANCEL_LINK_WINDOW_MS, now);
    if (hit.count > CANCEL_LINK_PER_IP) {
      throw accountsError('DELETION_LINK_THROTTLED', 'Too many attempts from this network: try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
      });
    }
    await this.dataSource.transaction(async (m) => {
      const used = await this.tokens.consume('deletion_cancel', token, m);
      const user = used ? await this.lockUser(used.userId, m).catch(() => undefined) : undefined;
      if (!user?.deletionScheduledFor) {
        throw accountsError('DELETION_LINK_INVALID', 'This link is no longer valid: it was used, it expired, or the deletion was already cancelled.');
      }
      await this.cancelLocked(user, 'link', m);
    });
  }

  private async cancelLocked(user: User, via: 'console' | 'link', m: EntityManager): Promise<void> {
    await m.getRepository(User).update({ id: user.id }, { deletionScheduledFor: null });
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

  /** One sweep: erases (or postpones) every user whose date has passed. Resolves to the number erased. */
  eraseDue(): Promise<number> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<number> {
    const due: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM users WHERE deletion_scheduled_for <= $1 ORDER BY deletion_scheduled_for LIMIT ${SWEEP_BATCH}`,
      [this.clock.now()],
    );
    let erased = 0;
    for (const { id } of due) {
      try {
        erased += (await this.eraseOne(id)) ? 1 : 0;
      } catch (err) {
        this.logger.error(`Erasure of a user failed and will be retried: ${(err as Error).message}`);
      }
    }
    return erased;
  }

  private async eraseOne(userId: string): Promise<boolean> {
    const propagated = this.sessions.watch(userId);
    const done = await this.dataSource.transaction(async (m) => {
      const rows: User[] = await m
        .getRepository(User)
        .createQueryBuilder('u')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('u.id = :userId AND u.deletion_scheduled_for <= :now', { userId, now: this.clock.now() })
        .getMany();
      const user = rows[0];
      if (!user) {
        return false;
      }
      const mine = await this.accounts.listForUser(user.id, m);
      const blocking = this.blocking(mine);
      if (blocking.length) {
        await this.postpone(user, blocking, m);
        return false;
      }
      for (const a of mine.filter((x) => x.members === 1)) {
        await this.audit.record(
          { action: AccountAuditAction.AccountDeleted, actorUserId: user.id, accountId: a.account_id, metadata: { reason: 'owner_deleted' } },
          m,
        );
        await this.accounts.deleteAccount(a.account_id, m);
      }
      await this.audit.record({ action: AccountAuditAction.UserDeleted, actorUserId: user.id, subjectUserId: user.id }, m);
      await this.erasure.eraseAll(this.subject(user), m);
      // Sessions, factors, tokens, login activity, memberships, preferences, inbox and consents cascade.
      await m.getRepository(User).delete({ id: user.id });
      return true;
    });
    this.sessions.invalidate(userId);
    await propagated;
    return done;
  }

  /**
   * Became the sole owner of a shared account during the grace period: deleting them would leave
   * it ownerless, so the date moves by another grace period and they are told why.
   */
  private async postpone(user: User, blocking: Owned, m: EntityManager): Promise<void> {
    const at = new Date(this.clock.nowMs() + this.graceMs);
    await m.getRepository(User).update({ id: user.id }, { deletionScheduledFor: at });
    await this.audit.record(
      {
        action: AccountAuditAction.DeletionPostponed,
        actorKind: 'system',
        subjectUserId: user.id,
        metadata: { deletionScheduledFor: at.toISOString(), accountIds: blocking.map((a) => a.account_id) },
      },
      m,
    );
    await this.notifications.notify(
      {
        event: 'security.deletion_postponed',
        to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
        data: { deleteOn: at.toISOString().slice(0, 10), accounts: blocking.map((a) => a.name).join(', ') },
      },
      m,
    );
  }

  private subject(user: User) {
    // IP addresses and user agents go with the rows of the user's own actions (sessions, login activity,
    // audit entries they made, consents); they are not searched for elsewhere: a shared office address
    // or a browser's string would erase other people's records.
    const present = (v: string | null | undefined): v is string => typeof v === 'string' && v.length > 0;
    const values = [user.id, user.email, user.phone].filter(present);
    return {
      userId: user.id,
      pseudonym: this.erasure.pseudonym(user.id),
      email: user.email,
      values: [...new Set(values)],
      names: [user.displayName, user.company, user.bio].filter(present),
    };
  }

  private blocking(mine: Owned): Owned {
    return mine.filter((a) => a.role === AccountRole.Owner && a.owners === 1 && a.members > 1);
  }

  private assertNotSoleOwner(mine: Owned): void {
    const blocking = this.blocking(mine);
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
    const user = await m.getRepository(User).findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
    if (!user) {
      throw accountsError('DELETION_LINK_INVALID', 'This link is no longer valid.');
    }
    return user;
  }
}
