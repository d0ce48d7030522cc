import { AuditService } from '@latchkey/audit';
import { APP_CONFIG, AppConfig, Clock, PersonalDataErasure } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UsersService } from '@latchkey/users';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole } from './account-role';
import { AccountAuditAction } from './accounts.constants';
import { AccountsRepository } from './accounts.repository';

const DAY_MS = 24 * 3600_000;
/** Users erased per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 20;
const SWEEP_INTERVAL_MS = 60_000;

export type OwnedAccounts = Awaited<ReturnType<AccountsRepository['listForUser']>>;

/** Accounts that would be left without an owner: the user is their only owner and others are members. */
export function soleOwnerBlocking(mine: OwnedAccounts): OwnedAccounts {
  return mine.filter((a) => a.role === AccountRole.Owner && a.owners === 1 && a.members > 1);
}

/**
 * The worker's erasure of users whose deletion grace period is over (several workers share it:
 * each user is locked with SKIP LOCKED). In one transaction per user: accounts where they are the
 * only member go, every lib's erasure part runs (audit pseudonymised, outbox, tickets,
 * invitations, expired rate-limit counters), then the user row, whose cascades take sessions,
 * factors, tokens, login activity, memberships, preferences, inbox and consents.
 */
@Injectable()
export class DeletionSweep implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeletionSweep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly sessions: SessionsService,
    private readonly erasure: PersonalDataErasure,
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

  /** One sweep: erases (or postpones) every user whose date has passed. Resolves to the number erased. */
  eraseDue(): Promise<number> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<number> {
    const due = await this.users.dueForDeletion(this.clock.now(), SWEEP_BATCH);
    let erased = 0;
    for (const id of due) {
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
      const user = await this.users.lockForUpdate(userId, m, { dueBy: this.clock.now(), skipLocked: true });
      if (!user) {
        return false;
      }
      const mine = await this.accounts.listForUser(user.id, m);
      const blocking = soleOwnerBlocking(mine);
      if (blocking.length) {
        await this.postpone(user, blocking, m);
        return false;
      }
      for (const a of mine.filter((x) => x.members === 1)) {
        await this.audit.record(
          {
            action: AccountAuditAction.AccountDeleted,
            actorUserId: user.id,
            accountId: a.account_id,
            metadata: { reason: 'owner_deleted' },
          },
          m,
        );
        await this.accounts.deleteAccount(a.account_id, m);
      }
      await this.audit.record({ action: AccountAuditAction.UserDeleted, actorUserId: user.id, subjectUserId: user.id }, m);
      await this.erasure.eraseAll(this.erasure.subjectOf(user), m);
      // Sessions, factors, tokens, login activity, memberships, preferences, inbox and consents cascade.
      await this.users.deleteRow(user.id, m);
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
  private async postpone(user: User, blocking: OwnedAccounts, m: EntityManager): Promise<void> {
    const at = new Date(this.clock.nowMs() + this.graceMs);
    await this.users.setDeletionDate(user.id, at, m);
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
}
