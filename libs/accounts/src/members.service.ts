import { Readable } from 'node:stream';

import { AuditService } from '@latchkey/audit';
import { LastSignInView, PasswordService, ReauthService } from '@latchkey/auth';
import { Clock, CursorKeyKind, DomainException, UserPrincipal, decodeKeysetCursor, encodeCursor } from '@latchkey/core';
import { AccountNotificationSettingsService, NotificationsService } from '@latchkey/notifications';
import { LEVEL_EXACT_FILTERS, MemberSecurityView, secondFactorLevels } from '@latchkey/mfa';
import { UserView, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole, ROLE_RANK, hasAtLeast } from './account-role';
import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { MEMBER_SORTS, MFA_FILTERS, MemberDto, MemberSort, MembersQueryDto, MfaFilter } from './dto/accounts.dto';
import { ActiveMembership } from './guards/account-role.guard';

interface ReportRow {
  user_id: string;
  role: AccountRole;
  joined_at: Date;
  joined_key: string;
  email: string;
  display_name: string;
  last_sign_in_at: Date | null;
  totp: boolean;
  sms: boolean;
  passkeys: number;
  backup_codes: number;
  mfa_level: number;
}

/** The users' and auth's SQL the report composes (users' UserView, auth's LastSignInView): accounts names neither table. */
interface PeopleSql {
  users: UserView;
  signIns: LastSignInView;
}

/**
 * One row per member. The 2FA columns come from the MFA lib's member security view (a stored
 * per-user summary kept in step by triggers), joined in the same query so the report can filter
 * and sort 100,000 members on them through indexes. `joined_key` is PostgreSQL's own text for
 * the join time: cursors carry it, since a JS Date would drop the microseconds.
 */
const report = (view: MemberSecurityView, people: PeopleSql) => `
  SELECT ms.user_id, ms.role, ms.created_at AS joined_at, ms.created_at::text AS joined_key, ${people.users.columns('u')},
         ${people.signIns.lastSignIn('ms.user_id')} AS last_sign_in_at, ${view.columns('s')}
    FROM memberships ms ${people.users.join('u', 'ms.user_id')} ${view.join('s', 'ms.user_id')}
   WHERE ms.account_id = $1`;

/**
 * The columns a page is chosen by: the user's columns and the last sign-in only when the sort
 * needs them. A page is picked from these first (a top-N sort, or an index walk that stops after
 * the page) and only its rows are joined to users: 100,000 members never join 100,000 users.
 */
const pageKeys = (view: MemberSecurityView, sort: MemberSort, people: PeopleSql) => {
  const user = sort === 'email' || sort === 'displayName';
  return `
  SELECT ms.user_id, ms.role, ms.created_at AS joined_at, ${view.columns('s')}
         ${user ? `, ${people.users.columns('u')}` : ''} ${sort === 'lastSignInAt' ? `, ${people.signIns.lastSignIn('ms.user_id')} AS last_sign_in_at` : ''}
    FROM memberships ms ${user ? people.users.join('u', 'ms.user_id') : ''} ${view.join('s', 'ms.user_id')}
   WHERE ms.account_id = $1`;
};

const SORT_SQL: Record<MemberSort, { expr: string; cast: string; key: CursorKeyKind }> = {
  // The join time in full precision (the cursor carries PostgreSQL's text of it), so the
  // (account_id, created_at, user_id) index gives the order and a page reads only its rows.
  joinedAt: { expr: 'r.joined_at', cast: 'timestamptz', key: 'time' },
  email: { expr: 'lower(r.email)', cast: 'text', key: 'text' },
  displayName: { expr: 'lower(r.display_name)', cast: 'text', key: 'text' },
  role: {
    expr: `(CASE r.role WHEN 'owner' THEN ${ROLE_RANK.owner} WHEN 'admin' THEN ${ROLE_RANK.admin} WHEN 'member' THEN ${ROLE_RANK.member} ELSE ${ROLE_RANK.viewer} END)`,
    cast: 'int',
    key: 'integer',
  },
  lastSignInAt: { expr: `date_trunc('milliseconds', coalesce(r.last_sign_in_at, 'epoch'::timestamptz))`, cast: 'timestamptz', key: 'time' },
  // 0 none, 1 SMS only, 2 authenticator, 3 both: ascending lists members without 2FA first.
  mfa: { expr: 'r.mfa_level', cast: 'int', key: 'integer' },
};

const CSV_BATCH = 1000;
const CSV_COLUMNS = [
  'userId',
  'email',
  'displayName',
  'role',
  'joinedAt',
  'lastSignInAt',
  'mfaEnabled',
  'totp',
  'sms',
  'passkeys',
  'backupCodesRemaining',
];

const badInput = (field: string, message: string) =>
  new DomainException('VALIDATION_FAILED', 'BAD_INPUT', `Invalid field(s): ${field}.`, { errors: [{ field, message }] });

/** RFC 4180 quoting, and OWASP CSV-injection defence: a cell a spreadsheet would run as a formula starts with '. */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s)) {
    s = `'${s}`;
  }
  // ';' is the separator of spreadsheets in many locales: a cell holding one is quoted like a comma.
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface MemberQuery {
  role?: AccountRole;
  mfa?: MfaFilter;
  sort: MemberSort;
  desc: boolean;
  /** Offset paging for react-admin; cursor paging otherwise. */
  offset?: { start: number; end: number };
  limit: number;
  cursor?: string;
}

export type MemberResult =
  { kind: 'page'; items: MemberDto[]; nextCursor: string | null } | { kind: 'range'; items: MemberDto[]; start: number; total: number };

@Injectable()
export class MembersService {
  private readonly report: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly reauth: ReauthService,
    private readonly passwords: PasswordService,
    private readonly clock: Clock,
    private readonly securityView: MemberSecurityView,
    private readonly accountAlerts: AccountNotificationSettingsService,
    private readonly userView: UserView,
    private readonly signIns: LastSignInView,
  ) {
    this.report = report(securityView, this.people);
  }

  private get people(): PeopleSql {
    return { users: this.userView, signIns: this.signIns };
  }

  /** Reads both query dialects (ours and react-admin's) into one query. */
  parseQuery(q: MembersQueryDto): MemberQuery {
    let role = q.role;
    let mfa = q.mfa;
    let sort = q.sort ?? q._sort;
    let order = q.order ?? q._order;
    let offset: MemberQuery['offset'];
    if (q.filter !== undefined) {
      let f: unknown;
      try {
        f = JSON.parse(q.filter);
      } catch {
        throw badInput('filter', 'must be a JSON object');
      }
      if (!f || typeof f !== 'object' || Array.isArray(f)) {
        throw badInput('filter', 'must be a JSON object');
      }
      const filter = f as Record<string, unknown>;
      if (filter.role !== undefined) {
        if (!Object.values(AccountRole).includes(filter.role as AccountRole)) {
          throw badInput('filter.role', 'must be owner, admin, member or viewer');
        }
        role = filter.role as AccountRole;
      }
      if (filter.mfa !== undefined) {
        if (!MFA_FILTERS.includes(filter.mfa as MfaFilter)) {
          throw badInput('filter.mfa', `must be one of ${MFA_FILTERS.join(', ')}`);
        }
        mfa = filter.mfa as MfaFilter;
      }
    }
    if (q.range !== undefined) {
      let r: unknown;
      try {
        r = JSON.parse(q.range);
      } catch {
        r = undefined;
      }
      if (!Array.isArray(r) || r.length !== 2 || !r.every((n) => Number.isInteger(n) && n >= 0) || r[1] < r[0]) {
        throw badInput('range', 'must be [start, end] with 0 <= start <= end');
      }
      offset = { start: r[0] as number, end: (r[1] as number) + 1 };
    } else if (q._start !== undefined || q._end !== undefined) {
      const start = q._start ?? 0;
      const end = q._end ?? start + 25;
      if (end < start) {
        throw badInput('_end', 'must not be less than _start');
      }
      offset = { start, end };
    }
    if (q.sort?.startsWith('[')) {
      // ra-data-simple-rest: sort=["email","ASC"]
      try {
        const [field, dir] = JSON.parse(q.sort) as [string, string];
        sort = field;
        order = dir;
      } catch {
        throw badInput('sort', 'must be a field name or ["field","ASC|DESC"]');
      }
    }
    if (sort === 'id' || sort === 'userId') {
      sort = 'joinedAt';
    }
    if (sort !== undefined && !MEMBER_SORTS.includes(sort as MemberSort)) {
      throw badInput('sort', `must be one of ${MEMBER_SORTS.join(', ')}`);
    }
    if (offset && offset.end - offset.start > 1000) {
      throw badInput('range', 'must span at most 1000 rows');
    }
    return {
      role,
      mfa,
      sort: (sort as MemberSort | undefined) ?? 'joinedAt',
      desc: (order ?? 'asc').toLowerCase() === 'desc',
      offset,
      limit: q.limit ?? 20,
      cursor: q.cursor,
    };
  }

  async list(membership: ActiveMembership, q: MemberQuery): Promise<MemberResult> {
    const seesMfa = hasAtLeast(membership.role, AccountRole.Admin);
    if (!seesMfa && (q.mfa || q.sort === 'lastSignInAt' || q.sort === 'mfa')) {
      throw accountsError('ROLE_TOO_LOW', 'Filtering or sorting by 2FA status and sign-ins needs the admin role.');
    }
    const params: unknown[] = [membership.accountId];
    const where: string[] = [];
    if (q.role) {
      params.push(q.role);
      where.push(`r.role = $${params.length}`);
    }
    const mfaCondition = q.mfa ? this.securityView.matches(q.mfa, 'r.user_id') : undefined;
    if (mfaCondition) {
      where.push(mfaCondition);
    }
    const sort = SORT_SQL[q.sort];
    const dir = q.desc ? 'DESC' : 'ASC';
    const order = `ORDER BY ${sort.expr} ${dir}, r.user_id ${dir}`;
    const keys = pageKeys(this.securityView, q.sort, this.people);
    const pick = (conditions: string[], window: string, depth: number) => {
      const filter = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      if (q.sort !== 'mfa') {
        return `SELECT * FROM (${keys}) r ${filter} ${order} ${window}`;
      }
      // By 2FA level: one branch per level, each walked in user id order and cut at the page's
      // depth, so PostgreSQL reads a page's worth of rows per level instead of sorting them all.
      const cursorLevel = after ? Number(after.k) : undefined;
      const levelExact = !q.mfa || LEVEL_EXACT_FILTERS.includes(q.mfa);
      const levels = secondFactorLevels(q.mfa).filter((l) => cursorLevel === undefined || (q.desc ? l <= cursorLevel : l >= cursorLevel));
      const branches = levels.map(
        (l) =>
          `(SELECT * FROM (${keys}) r WHERE ${[...conditions.filter((c) => c !== mfaCondition || !levelExact), this.securityView.hasLevel(l, 'r.user_id')].join(' AND ')}
             ORDER BY r.user_id ${dir} LIMIT ${depth})`,
      );
      return branches.length
        ? `SELECT * FROM (${branches.join(' UNION ALL ')}) r ${order} ${window}`
        : `SELECT * FROM (${keys}) r WHERE false`;
    };
    const page = (conditions: string[], window: string, depth: number) => `
      SELECT * FROM (
        SELECT p.user_id, p.role, p.joined_at, p.joined_at::text AS joined_key, ${this.userView.columns('u')},
               ${this.signIns.lastSignIn('p.user_id')} AS last_sign_in_at, p.totp, p.sms, p.passkeys, p.backup_codes, p.mfa_level
          FROM (${pick(conditions, window, depth)}) p ${this.userView.join('u', 'p.user_id')}
      ) r ${order}`;
    const map = (r: ReportRow) => this.toDto(r, seesMfa);
    const after = q.offset ? undefined : decodeKeysetCursor(q.cursor, sort.key);
    if (q.offset) {
      const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
        `SELECT count(*)::int AS total FROM memberships r WHERE r.account_id = $1 ${where.length ? `AND ${where.join(' AND ')}` : ''}`,
        params,
      );
      const rows: ReportRow[] = await this.dataSource.query(
        page(where, `OFFSET ${q.offset.start} LIMIT ${q.offset.end - q.offset.start}`, q.offset.end),
        params,
      );
      return { kind: 'range', items: rows.map(map), start: q.offset.start, total };
    }
    if (after) {
      params.push(after.k, after.id);
      where.push(`(${sort.expr}, r.user_id) ${q.desc ? '<' : '>'} ($${params.length - 1}::${sort.cast}, $${params.length}::uuid)`);
    }
    const rows: ReportRow[] = await this.dataSource.query(page(where, `LIMIT ${q.limit + 1}`, q.limit + 1), params);
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return { kind: 'page', items: items.map(map), nextCursor: rows.length > q.limit && last ? this.encodeCursor(q.sort, last) : null };
  }

  private encodeCursor(sort: MemberSort, r: ReportRow): string {
    const k =
      sort === 'joinedAt'
        ? r.joined_key
        : sort === 'lastSignInAt'
          ? new Date(r.last_sign_in_at ?? 0).toISOString()
          : sort === 'role'
            ? ROLE_RANK[r.role]
            : sort === 'mfa'
              ? r.mfa_level
              : sort === 'email'
                ? r.email.toLowerCase()
                : r.display_name.toLowerCase();
    return encodeCursor(k, r.user_id);
  }

  toDto(r: ReportRow, seesMfa: boolean): MemberDto {
    return {
      id: r.user_id,
      userId: r.user_id,
      email: r.email,
      displayName: r.display_name,
      role: r.role,
      joinedAt: new Date(r.joined_at).toISOString(),
      ...(seesMfa
        ? {
            lastSignInAt: r.last_sign_in_at ? new Date(r.last_sign_in_at).toISOString() : null,
            mfa: {
              enabled: r.totp || r.sms || r.passkeys > 0,
              totp: r.totp,
              sms: r.sms,
              passkeys: r.passkeys,
              backupCodesRemaining: r.backup_codes,
            },
          }
        : {}),
    };
  }

  /**
   * The CSV export as a stream: keyset batches of 1,000 on (joined_at, user_id), so memory stays
   * flat whatever the account size, and the header goes out before the first query.
   */
  csv(accountId: string): Readable {
    const db = this.dataSource;
    const report = this.report;
    async function* rows(): AsyncGenerator<string> {
      yield `${CSV_COLUMNS.join(',')}\r\n`;
      // The key is PostgreSQL's own text for created_at: a JS Date would drop the microseconds.
      let after: { at: string; id: string } | undefined;
      for (;;) {
        const params: unknown[] = [accountId];
        let cond = '';
        if (after) {
          params.push(after.at, after.id);
          cond = 'AND (ms.created_at, ms.user_id) > ($2::timestamptz, $3::uuid)';
        }
        const batch: ReportRow[] = await db.query(
          `${report} ${cond}
           ORDER BY ms.created_at, ms.user_id LIMIT ${CSV_BATCH}`,
          params,
        );
        if (batch.length === 0) {
          return;
        }
        yield batch
          .map((r) =>
            [
              r.user_id,
              r.email,
              r.display_name,
              r.role,
              new Date(r.joined_at),
              r.last_sign_in_at ? new Date(r.last_sign_in_at) : '',
              r.totp || r.sms || r.passkeys > 0,
              r.totp,
              r.sms,
              r.passkeys,
              r.backup_codes,
            ]
              .map(csvCell)
              .join(','),
          )
          .join('\r\n')
          .concat('\r\n');
        const last = batch[batch.length - 1]!;
        after = { at: last.joined_key, id: last.user_id };
        if (batch.length < CSV_BATCH) {
          return;
        }
      }
    }
    return Readable.from(rows());
  }

  private async recipient(userId: string, m: EntityManager) {
    const u = await this.users.findById(userId, m);
    return u ? { userId: u.id, email: u.email, name: u.displayName, locale: u.language } : undefined;
  }

  /** How an account alert names a person: display name and email, which the account's owners see anyway. */
  private async who(userId: string, m: EntityManager): Promise<string> {
    const u = await this.users.findById(userId, m);
    return u ? `${u.displayName} (${u.email})` : 'A deleted user';
  }

  /** Only an owner touches owners or grants owner; the last owner is never demoted. */
  private assertMayManage(actor: ActiveMembership, targetRole: AccountRole, newRole?: AccountRole) {
    if ((targetRole === AccountRole.Owner || newRole === AccountRole.Owner) && actor.role !== AccountRole.Owner) {
      throw accountsError('OWNER_ONLY', 'Only an owner can change owners or make someone an owner.');
    }
  }

  async changeRole(principal: UserPrincipal, actor: ActiveMembership, userId: string, role: AccountRole): Promise<MemberDto> {
    const accountId = actor.accountId;
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      await this.accounts.lockAccount(accountId, m);
      const target = await this.accounts.findMembership(accountId, userId, m);
      if (!target) {
        throw accountsError('MEMBER_NOT_FOUND', 'No such member in this account.');
      }
      this.assertMayManage(actor, target.role, role);
      if (target.role === role) {
        return;
      }
      if (target.role === AccountRole.Owner && (await this.accounts.countOwners(accountId, m)) <= 1) {
        throw accountsError('LAST_OWNER', 'The last owner cannot be demoted: make someone else owner first.');
      }
      await this.accounts.setRole(accountId, userId, role, now, m);
      await this.audit.record(
        {
          action: AccountAuditAction.MemberRoleChanged,
          actorUserId: principal.userId,
          subjectUserId: userId,
          accountId,
          metadata: { from: target.role, to: role },
        },
        m,
      );
      const to = await this.recipient(userId, m);
      if (to) {
        await this.notifications.notify(
          { event: 'team.role_changed', to, accountId, data: { accountName: actor.account.name, from: target.role, role } },
          m,
        );
      }
      await this.accountAlerts.alert(
        {
          accountId,
          accountName: actor.account.name,
          subjectUserId: userId,
          alert: {
            kind: 'member_role_changed',
            member: await this.who(userId, m),
            from: target.role,
            to: role,
            by: await this.who(principal.userId, m),
          },
        },
        m,
      );
    });
    return this.one(accountId, userId, true);
  }

  async remove(principal: UserPrincipal, actor: ActiveMembership, userId: string): Promise<void> {
    const accountId = actor.accountId;
    await this.dataSource.transaction(async (m) => {
      await this.accounts.lockAccount(accountId, m);
      const target = await this.accounts.findMembership(accountId, userId, m);
      if (!target) {
        throw accountsError('MEMBER_NOT_FOUND', 'No such member in this account.');
      }
      this.assertMayManage(actor, target.role);
      if (target.role === AccountRole.Owner && (await this.accounts.countOwners(accountId, m)) <= 1) {
        throw accountsError('LAST_OWNER', 'The last owner cannot leave: transfer ownership first.');
      }
      await this.accounts.deleteMembership(accountId, userId, m);
      await this.audit.record(
        {
          action: AccountAuditAction.MemberRemoved,
          actorUserId: principal.userId,
          subjectUserId: userId,
          accountId,
          metadata: { role: target.role },
        },
        m,
      );
      const to = await this.recipient(userId, m);
      if (to && userId !== principal.userId) {
        await this.notifications.notify({ event: 'team.removed', to, accountId, data: { accountName: actor.account.name } }, m);
      }
      await this.accountAlerts.alert(
        {
          accountId,
          accountName: actor.account.name,
          subjectUserId: userId,
          alert: {
            kind: 'member_removed',
            member: await this.who(userId, m),
            by: await this.who(principal.userId, m),
            self: userId === principal.userId,
          },
        },
        m,
      );
    });
  }

  /** The member gets the "forgot password" mail; only an owner may send it to an owner. */
  async sendPasswordReset(principal: UserPrincipal, actor: ActiveMembership, userId: string): Promise<void> {
    const target = await this.accounts.findMembership(actor.accountId, userId);
    if (!target) {
      throw accountsError('MEMBER_NOT_FOUND', 'No such member in this account.');
    }
    this.assertMayManage(actor, target.role);
    const user = await this.users.findById(userId);
    if (!user) {
      throw accountsError('MEMBER_NOT_FOUND', 'No such member in this account.');
    }
    await this.passwords.sendResetFor(user, { userId: principal.userId, kind: 'user', accountId: actor.accountId });
  }

  async transferOwnership(
    principal: UserPrincipal,
    actor: ActiveMembership,
    userId: string,
    proof: { password?: string; code?: string },
  ): Promise<void> {
    const accountId = actor.accountId;
    if (userId === principal.userId) {
      throw badInput('userId', 'must be another member');
    }
    const reauthenticated = await this.reauth.assert(principal, proof);
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      await this.accounts.lockAccount(accountId, m);
      await reauthenticated.spend(m);
      const target = await this.accounts.findMembership(accountId, userId, m);
      if (!target) {
        throw accountsError('NOT_A_MEMBER', 'Invalid field(s): userId. Ownership can only go to a member of this account.', {
          errors: [{ field: 'userId', message: 'is not a member of this account' }],
        });
      }
      await this.accounts.setRole(accountId, userId, AccountRole.Owner, now, m);
      await this.accounts.setRole(accountId, principal.userId, AccountRole.Admin, now, m);
      await this.audit.record(
        {
          action: AccountAuditAction.OwnershipTransferred,
          actorUserId: principal.userId,
          subjectUserId: userId,
          accountId,
          metadata: { from: principal.userId, to: userId, previousRole: target.role },
        },
        m,
      );
      const to = await this.recipient(userId, m);
      if (to) {
        await this.notifications.notify(
          { event: 'team.ownership_transferred', to, accountId, data: { accountName: actor.account.name } },
          m,
        );
      }
      await this.accountAlerts.alert(
        {
          accountId,
          accountName: actor.account.name,
          subjectUserId: userId,
          alert: { kind: 'ownership_transferred', member: await this.who(userId, m), by: await this.who(principal.userId, m) },
        },
        m,
      );
    });
  }

  private async one(accountId: string, userId: string, seesMfa: boolean): Promise<MemberDto> {
    const rows: ReportRow[] = await this.dataSource.query(`${this.report} AND ms.user_id = $2`, [accountId, userId]);
    if (!rows[0]) {
      throw accountsError('MEMBER_NOT_FOUND', 'No such member in this account.');
    }
    return this.toDto(rows[0], seesMfa);
  }
}
