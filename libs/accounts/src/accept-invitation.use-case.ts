import { AuditService } from '@latchkey/audit';
import { LoginResult, LoginThrottle, LoginUseCase } from '@latchkey/auth';
import { ClientInfo, Clock, PasswordHasher, UserPrincipal, hashToken } from '@latchkey/core';
import { AccountNotificationSettingsService } from '@latchkey/notifications';
import { User, UsersService, checkPassword } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole } from './account-role';
import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { AcceptInvitationDto, InvitationPreviewDto } from './dto/accounts.dto';
import { Invitation } from './entities';

export interface AcceptResult {
  accountId: string;
  role: AccountRole;
  user: User;
  created: boolean;
  signIn?: LoginResult;
}

const THROTTLE_SCOPE = 'invitation';

/**
 * Accepting an invitation. With a session, the invited address must be the session's and the
 * session must be unrestricted. Without one, only a new person can accept: they choose a password
 * here and are signed in by the same sign-in decision as every sign-in. An existing user is told
 * to sign in first (401): this route never checks a password, so it is no second door around the
 * sign-in throttle, lockout, login activity and second factor. The token is spent by a
 * compare-and-swap, so it works exactly once and never after expiry.
 */
@Injectable()
export class AcceptInvitationUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly login: LoginUseCase,
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
    private readonly accountAlerts: AccountNotificationSettingsService,
  ) {}

  private async find(token: string): Promise<Invitation> {
    const inv = typeof token === 'string' && token.length <= 100 ? await this.accounts.findInvitationByHash(hashToken(token)) : null;
    if (!inv || inv.revokedAt) {
      throw accountsError('INVITATION_NOT_FOUND', 'This invitation link is not valid: ask for a new invitation.');
    }
    if (inv.acceptedAt) {
      throw accountsError('INVITATION_USED', 'This invitation was already used: sign in to reach the account.');
    }
    if (inv.expiresAt.getTime() <= this.clock.nowMs()) {
      throw accountsError('INVITATION_EXPIRED', 'This invitation has expired: ask the person who invited you for a new one.');
    }
    return inv;
  }

  /** What the invitation page shows. Whether the address has a user is told to the token holder only. */
  async preview(token: string, ip: string | undefined): Promise<InvitationPreviewDto> {
    await this.throttle.checkIp(ip, THROTTLE_SCOPE);
    const inv = await this.find(token);
    const [account, inviter, existing] = await Promise.all([
      this.accounts.findAccount(inv.accountId),
      inv.invitedByUserId ? this.users.findById(inv.invitedByUserId) : null,
      this.users.findByEmail(inv.email),
    ]);
    if (!account) {
      throw accountsError('INVITATION_NOT_FOUND', 'This invitation link is not valid: ask for a new invitation.');
    }
    return {
      accountName: account.name,
      inviterName: inviter?.displayName ?? null,
      role: inv.role,
      email: inv.email,
      expiresAt: inv.expiresAt.toISOString(),
      existingUser: Boolean(existing),
    };
  }

  async execute(token: string, body: AcceptInvitationDto, client: ClientInfo, principal?: UserPrincipal): Promise<AcceptResult> {
    if (!principal) {
      await this.throttle.checkIp(client.ip, THROTTLE_SCOPE);
    }
    const inv = await this.find(token);
    if (principal) {
      if (principal.restriction) {
        throw accountsError(
          'MFA_SETUP_REQUIRED',
          'Set up two-factor authentication first, then open the invitation link again to accept it.',
        );
      }
      if (principal.email.toLowerCase() !== inv.email.toLowerCase()) {
        throw accountsError(
          'INVITATION_EMAIL_MISMATCH',
          `This invitation was sent to another address: sign out, then sign in as the invited person.`,
        );
      }
      const user = await this.users.findById(principal.userId);
      if (!user) {
        throw accountsError('SIGN_IN_REQUIRED', 'Sign in first, then accept the invitation.');
      }
      await this.dataSource.transaction((m) => this.join(inv, user, false, m));
      return { accountId: inv.accountId, role: inv.role, user, created: false };
    }
    if (await this.users.findByEmail(inv.email)) {
      throw signInFirst();
    }
    if (!body.password) {
      throw accountsError('PASSWORD_REQUIRED', 'Invalid field(s): password. Choose a password.', {
        errors: [{ field: 'password', message: 'is required: choose a password' }],
      });
    }
    const weak = checkPassword(body.password, inv.email, 'password');
    if (weak) {
      throw accountsError('PASSWORD_REQUIRED', `Invalid field(s): password. The password ${weak.message}.`, { errors: [weak] });
    }
    const passwordHash = await this.hasher.hash(body.password);
    const user = await this.createAndJoin(inv, passwordHash, body.displayName);
    const signIn = await this.login.decide(user, client);
    return { accountId: inv.accountId, role: inv.role, user, created: true, signIn };
  }

  private async createAndJoin(inv: Invitation, passwordHash: string, displayName: string | undefined): Promise<User> {
    return this.dataSource.transaction(async (m) => {
      // The link reached this inbox: that verifies the address.
      const user = await this.users.createConfirmed(
        { email: inv.email, displayName: displayName?.trim() || inv.email.split('@')[0]!, passwordHash },
        m,
      );
      if (!user) {
        throw signInFirst();
      }
      await this.join(inv, user, true, m);
      return user;
    });
  }

  private async join(inv: Invitation, user: User, created: boolean, m: EntityManager): Promise<void> {
    const now = this.clock.now();
    if (!(await this.accounts.markAccepted(inv.id, user.id, now, m))) {
      throw accountsError('INVITATION_USED', 'This invitation was already used: sign in to reach the account.');
    }
    if (!(await this.accounts.insertMembership(inv.accountId, user.id, inv.role, now, m))) {
      throw accountsError('ALREADY_MEMBER', 'You are already a member of this account.');
    }
    const base = { actorUserId: user.id, subjectUserId: user.id, accountId: inv.accountId };
    await this.audit.record(
      { ...base, action: AccountAuditAction.InvitationAccepted, metadata: { invitationId: inv.id, role: inv.role, created } },
      m,
    );
    await this.audit.record({ ...base, action: AccountAuditAction.MemberJoined, metadata: { role: inv.role } }, m);
    const account = await this.accounts.findAccount(inv.accountId, m);
    await this.accountAlerts.alert(
      {
        accountId: inv.accountId,
        accountName: account?.name ?? 'the account',
        subjectUserId: user.id,
        alert: { kind: 'member_joined', member: `${user.displayName} (${user.email})`, role: inv.role },
      },
      m,
    );
  }
}

const signInFirst = () =>
  accountsError(
    'SIGN_IN_REQUIRED',
    'This address already has an account: sign in (with your second factor if you have one), then accept the invitation.',
  );
