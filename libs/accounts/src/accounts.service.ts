import { AuditService } from '@latchkey/audit';
import { ReauthService } from '@latchkey/auth';
import { Clock, SqlStatement, UserPrincipal } from '@latchkey/core';
import { MemberSecurityView, MfaService } from '@latchkey/mfa';
import { AccountNotificationSettingsService, NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { UserView, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole, hasAtLeast } from './account-role';
import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { AccountDto, DeleteAccountDto, MyAccountDto, UpdateAccountDto } from './dto/accounts.dto';
import { Account, Membership } from './entities';
import { ActiveMembership } from './guards/account-role.guard';
import { cidrErrors, ipAllowed, normaliseCidr, parseCidr } from './ip-allowlist';

@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly sessions: SessionsService,
    private readonly reauth: ReauthService,
    private readonly mfa: MfaService,
    private readonly clock: Clock,
    private readonly securityView: MemberSecurityView,
    private readonly accountAlerts: AccountNotificationSettingsService,
    private readonly userView: UserView,
  ) {}

  toDto(account: Account, role: AccountRole, extra: { nonCompliantMembers?: number } = {}): AccountDto {
    return {
      id: account.id,
      name: account.name,
      require2fa: account.require2fa,
      ...(hasAtLeast(role, AccountRole.Admin) ? { ipAllowlist: account.ipAllowlist } : {}),
      role,
      createdAt: account.createdAt.toISOString(),
      ...extra,
    };
  }

  async create(principal: UserPrincipal, name: string): Promise<AccountDto> {
    const now = this.clock.now();
    const account = await this.dataSource.transaction(async (m) => {
      const a = await this.accounts.insertAccount(
        { name: name.trim(), require2fa: false, ipAllowlist: [], createdAt: now, updatedAt: now },
        m,
      );
      await this.accounts.insertMembership(a.id, principal.userId, AccountRole.Owner, now, m);
      await this.audit.record(
        { action: AccountAuditAction.AccountCreated, actorUserId: principal.userId, accountId: a.id, metadata: { name: a.name } },
        m,
      );
      return a;
    });
    return this.toDto(account, AccountRole.Owner);
  }

  async update(principal: UserPrincipal, membership: ActiveMembership, patch: UpdateAccountDto, callerIp?: string): Promise<AccountDto> {
    const accountId = membership.accountId;
    let allowlist: string[] | undefined;
    if (patch.ipAllowlist) {
      const errors = cidrErrors(patch.ipAllowlist);
      if (errors.length) {
        throw accountsError('INVALID_CIDR', `Invalid field(s): ${errors.map((e) => e.field).join(', ')}.`, { errors });
      }
      allowlist = [...new Set(patch.ipAllowlist.map((c) => normaliseCidr(parseCidr(c)!)))];
      // Refuse to lock out the person saving it: they could not undo it.
      if (!ipAllowed(allowlist, callerIp)) {
        throw accountsError('ALLOWLIST_EXCLUDES_CALLER', `Invalid field(s): ipAllowlist. It must include your own address (${callerIp}).`, {
          errors: [{ field: 'ipAllowlist', message: `must include your current address ${callerIp}` }],
        });
      }
    }
    // As GitHub does: whoever turns the policy on must already comply, or they would lock themselves out.
    if (patch.require2fa && !membership.account.require2fa && !(await this.mfa.hasSecondFactor(principal.userId))) {
      throw accountsError('OWN_MFA_REQUIRED', 'Invalid field(s): require2fa. Set up two-factor authentication yourself first.', {
        errors: [{ field: 'require2fa', message: 'needs you to have two-factor authentication first' }],
      });
    }
    const now = this.clock.now();
    const restrictedUsers: string[] = [];
    const result = await this.dataSource.transaction(async (m) => {
      const before = await this.accounts.lockAccount(accountId, m);
      if (!before) {
        throw accountsError('ACCOUNT_NOT_FOUND', 'No such account.');
      }
      const changes: Partial<Account> = { updatedAt: now };
      const base = { actorUserId: principal.userId, accountId };
      if (patch.name !== undefined && patch.name.trim() !== before.name) {
        changes.name = patch.name.trim();
        await this.audit.record(
          { ...base, action: AccountAuditAction.AccountRenamed, metadata: { from: before.name, to: changes.name } },
          m,
        );
      }
      if (allowlist && allowlist.join(',') !== before.ipAllowlist.join(',')) {
        changes.ipAllowlist = allowlist;
        await this.audit.record(
          { ...base, action: AccountAuditAction.IpAllowlistChanged, metadata: { from: before.ipAllowlist, to: allowlist } },
          m,
        );
      }
      if (patch.require2fa !== undefined && patch.require2fa !== before.require2fa) {
        changes.require2fa = patch.require2fa;
        await this.audit.record(
          { ...base, action: patch.require2fa ? AccountAuditAction.Require2faEnabled : AccountAuditAction.Require2faDisabled },
          m,
        );
        const by = await this.users.findById(principal.userId, m);
        await this.accountAlerts.alert(
          {
            accountId,
            accountName: changes.name ?? before.name,
            alert: { kind: 'require_2fa_changed', enabled: patch.require2fa, by: by ? `${by.displayName} (${by.email})` : 'An admin' },
          },
          m,
        );
        if (patch.require2fa) {
          const pending: Array<{ user_id: string; email: string; display_name: string; language: string }> = await m.query(
            `SELECT ms.user_id, ${this.userView.columns('u', true)} FROM memberships ms ${this.userView.join('u', 'ms.user_id')}
              WHERE ms.account_id = $1 AND ${this.securityView.matches('none', 'ms.user_id')}`,
            [accountId],
          );
          for (const u of pending) {
            restrictedUsers.push(u.user_id);
            await this.notifications.notify(
              {
                event: 'team.require_2fa_enabled',
                to: { userId: u.user_id, email: u.email, name: u.display_name, locale: u.language },
                accountId,
                data: { accountName: changes.name ?? before.name },
              },
              m,
            );
          }
        }
      }
      await this.accounts.updateAccount(accountId, changes, m);
      return { ...before, ...changes } as Account;
    });
    // Existing sessions of members without a factor: restricted from their next request.
    for (const userId of restrictedUsers) {
      for (const s of await this.sessions.list(userId)) {
        await this.sessions.setRestriction(userId, s.id, 'mfa_setup_required');
      }
    }
    return this.toDto(result, membership.role, result.require2fa ? { nonCompliantMembers: await this.nonCompliantCount(accountId) } : {});
  }

  async nonCompliantCount(accountId: string): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM memberships ms WHERE ms.account_id = $1 AND ${this.securityView.matches('none', 'ms.user_id')}`,
      [accountId],
    );
    return row?.n ?? 0;
  }

  async get(membership: ActiveMembership): Promise<AccountDto> {
    const extra =
      membership.account.require2fa && hasAtLeast(membership.role, AccountRole.Admin)
        ? { nonCompliantMembers: await this.nonCompliantCount(membership.accountId) }
        : {};
    return this.toDto(membership.account, membership.role, extra);
  }

  async remove(principal: UserPrincipal, membership: ActiveMembership, proof: DeleteAccountDto): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof);
    await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      await this.audit.record(
        {
          action: AccountAuditAction.AccountDeleted,
          actorUserId: principal.userId,
          accountId: membership.accountId,
          metadata: { name: membership.account.name },
        },
        m,
      );
      await this.accounts.deleteAccount(membership.accountId, m);
    });
  }

  async listMine(userId: string): Promise<MyAccountDto[]> {
    return (await this.accounts.listForUser(userId)).map((r) => ({
      accountId: r.account_id,
      name: r.name,
      role: r.role,
      require2fa: r.require_2fa,
      joinedAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** "Is the user a member of an account that requires 2FA?" as a SqlFacts fact (a boolean), for the sign-in's one read. */
  requiring2faFact(userId: string): SqlStatement {
    return this.accounts.anyRequiring2faFact(userId);
  }

  userById(userId: string) {
    return this.users.findById(userId);
  }

  /** For other libs (API keys, support): the account, or null. */
  findAccount(accountId: string): Promise<Account | null> {
    return this.accounts.findAccount(accountId);
  }

  /** For other libs (API keys): the user's membership of the account, or null when they are not a member. */
  findMembership(accountId: string, userId: string): Promise<Membership | null> {
    return this.accounts.findMembership(accountId, userId);
  }

  /** For other libs (support): the user's memberships with each account's size and owner count, oldest first. */
  listForUser(userId: string, m?: EntityManager): ReturnType<AccountsRepository['listForUser']> {
    return this.accounts.listForUser(userId, m);
  }

  /** Deletes an account and what cascades with it, in the caller's transaction (support's erasure of a user who was its only member). */
  deleteAccount(accountId: string, m: EntityManager): Promise<void> {
    return this.accounts.deleteAccount(accountId, m);
  }

  /**
   * The owner's account of this name, created when missing, with the given members added (a
   * member already in keeps their role): the demo seed. Resolves to the account's id.
   */
  async ensureAccount(
    name: string,
    ownerId: string,
    members: Array<{ userId: string; role: AccountRole }>,
    m: EntityManager,
  ): Promise<string> {
    const now = this.clock.now();
    const accountId =
      (await this.accounts.findOwnedByName(name, ownerId, m)) ??
      (await this.accounts.insertAccount({ name, require2fa: false, ipAllowlist: [], createdAt: now, updatedAt: now }, m)).id;
    for (const member of members) {
      await this.accounts.insertMembership(accountId, member.userId, member.role, now, m);
    }
    return accountId;
  }
}
