import { AuditService } from '@latchkey/audit';
import { Clock, UserPrincipal, RateLimitStore } from '@latchkey/core';
import { AccountDefaultInput, AccountDefaultsEvent, AccountNotificationSettingsService } from '@latchkey/notifications';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { AccountDiscordDto } from './dto/notification-defaults.dto';
import { ActiveMembership } from './guards/account-role.guard';

/** Test messages an account may send to its alert channel per hour: enough to try a fix, too few to spam a channel. */
const TESTS_PER_HOUR = 5;
const HOUR_MS = 3600_000;

/**
 * Account-level notification settings over REST: the members' defaults and the account's
 * Discord channel for account alerts. Each change and its audit entry commit together.
 */
@Injectable()
export class AccountNotificationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settings: AccountNotificationSettingsService,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  defaults(accountId: string): Promise<AccountDefaultsEvent[]> {
    return this.settings.defaults(accountId);
  }

  async replaceDefaults(principal: UserPrincipal, ms: ActiveMembership, items: AccountDefaultInput[]): Promise<AccountDefaultsEvent[]> {
    return this.dataSource.transaction(async (m) => {
      // One replacement at a time per account: two owners saving at once apply in turn.
      await this.accounts.lockAccount(ms.accountId, m);
      const { changed } = await this.settings.replaceDefaults(ms.accountId, items, m);
      if (changed.length > 0) {
        await this.audit.record(
          {
            action: AccountAuditAction.NotificationDefaultsChanged,
            actorUserId: principal.userId,
            accountId: ms.accountId,
            // Enough to read the change in the log; a full grid rewrite is summarised by its count.
            metadata: { count: changed.length, changes: changed.slice(0, 20), locked: items.filter((c) => c.locked).length },
          },
          m,
        );
      }
      return this.settings.defaults(ms.accountId, m);
    });
  }

  channels(accountId: string): Promise<{ discord: AccountDiscordDto | null }> {
    return this.settings.discord(accountId).then((discord) => ({ discord }));
  }

  async linkDiscord(principal: UserPrincipal, ms: ActiveMembership, url: string): Promise<AccountDiscordDto> {
    return this.dataSource.transaction(async (m) => {
      const link = await this.settings.linkDiscord(ms.accountId, url, m);
      await this.audit.record(
        {
          action: AccountAuditAction.AlertChannelLinked,
          actorUserId: principal.userId,
          accountId: ms.accountId,
          metadata: { kind: 'discord', hint: link.hint },
        },
        m,
      );
      return link;
    });
  }

  async unlinkDiscord(principal: UserPrincipal, ms: ActiveMembership): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const hint = await this.settings.unlinkDiscord(ms.accountId, m);
      if (hint) {
        await this.audit.record(
          {
            action: AccountAuditAction.AlertChannelRemoved,
            actorUserId: principal.userId,
            accountId: ms.accountId,
            metadata: { kind: 'discord', hint },
          },
          m,
        );
      }
    });
  }

  /** Queues a test alert through the outbox, like a real one; a few an hour per account. */
  async sendTest(principal: UserPrincipal, ms: ActiveMembership): Promise<void> {
    const now = this.clock.nowMs();
    const hit = await this.rateLimits.hit(`account-alert-test:${ms.accountId}`, HOUR_MS, now);
    if (hit.count > TESTS_PER_HOUR) {
      throw accountsError('ALERT_TEST_THROTTLED', 'Too many test messages for this account: try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
      });
    }
    const me = await this.users.findById(principal.userId);
    const queued = await this.dataSource.transaction((m) =>
      this.settings.alert(
        { accountId: ms.accountId, accountName: ms.account.name, alert: { kind: 'test', by: me?.displayName ?? 'An owner' } },
        m,
      ),
    );
    if (!queued) {
      throw accountsError('NO_ALERT_CHANNEL', 'This account has no Discord channel for alerts: add one first.');
    }
  }
}
