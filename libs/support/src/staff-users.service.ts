import { AccountsService } from '@latchkey/accounts';
import { ApiKeysService } from '@latchkey/api-keys';
import { AuditService } from '@latchkey/audit';
import { LoginActivityService, PasswordService } from '@latchkey/auth';
import { decodeCursor, Page, UserPrincipal, toPage } from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { SessionsService } from '@latchkey/sessions';
import { User, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { StaffUserDetailDto, StaffUserDto, UserSearchQueryDto } from './dto/support.dto';
import { SupportAuditAction } from './support.constants';
import { supportError } from './support.exception';
import { SupportTicketsRepository } from './support-tickets.repository';
import { toTicketDto } from './support-tickets.service';

const toStaffUser = (u: User): StaffUserDto => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  staffRole: u.staffRole,
  emailVerified: Boolean(u.emailVerifiedAt),
  createdAt: u.createdAt.toISOString(),
});

/** Staff lookup of users: what support needs to help someone, never their secrets. */
@Injectable()
export class StaffUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly mfa: MfaService,
    private readonly sessions: SessionsService,
    private readonly accounts: AccountsService,
    private readonly logins: LoginActivityService,
    private readonly tickets: SupportTicketsRepository,
    private readonly audit: AuditService,
    private readonly passwords: PasswordService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async search(query: UserSearchQueryDto): Promise<Page<StaffUserDto>> {
    const limit = query.limit ?? 20;
    const rows = await this.users.search(query.q?.trim() || undefined, limit, decodeCursor(query.cursor));
    return toPage(rows, limit, (u) => u.createdAt, toStaffUser);
  }

  async detail(userId: string): Promise<StaffUserDetailDto> {
    const user = await this.get(userId);
    const [mfa, sessions, memberships, logins, tickets, apiKeys] = await Promise.all([
      this.mfa.status(userId),
      this.sessions.list(userId),
      this.accounts.listForUser(userId),
      this.logins.list(userId, 10),
      this.tickets.listForUser(userId),
      this.apiKeys.countForUser(userId),
    ]);
    return {
      ...toStaffUser(user),
      mfa,
      sessions,
      memberships: memberships.map((ms) => ({ accountId: ms.account_id, name: ms.name, role: ms.role, require2fa: ms.require_2fa })),
      recentLogins: logins.items,
      tickets: tickets.map(toTicketDto),
      apiKeys,
    };
  }

  async revokeSessions(p: UserPrincipal, userId: string): Promise<number> {
    await this.get(userId);
    const revoked = await this.sessions.revokeAll(userId, { reason: 'staff', actorUserId: p.userId, actorKind: 'staff' });
    await this.audit.record({
      action: SupportAuditAction.SessionsRevoked,
      actorUserId: p.userId,
      actorKind: 'staff',
      subjectUserId: userId,
      metadata: { revoked },
    });
    return revoked;
  }

  async sendPasswordReset(p: UserPrincipal, userId: string): Promise<void> {
    await this.passwords.sendResetFor(await this.get(userId), { userId: p.userId, kind: 'staff' });
  }

  private async get(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) {
      throw supportError('USER_NOT_FOUND', 'No such user.');
    }
    return user;
  }
}
