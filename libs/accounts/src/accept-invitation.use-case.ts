import { AuditService } from '@latchkey/audit';
import { LoginUseCase } from '@latchkey/auth';
import { Clock, PasswordHasher, Principal, describeClient, hashToken } from '@latchkey/core';
import { User, UsersRepository, checkPassword } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AccountRole } from './account-role';
import { AccountAuditAction } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { AcceptInvitationDto } from './dto/accounts.dto';
import { Invitation } from './entities';

export interface AcceptResult {
  accountId: string;
  role: AccountRole;
  user: User;
  created: boolean;
  /** Without a session the accept signs the person in. */
  signIn: boolean;
}

/**
 * Accepting an invitation: with a session (the invited address must be yours), with the
 * password of the existing user for that address, or as a new user who sets a password here.
 * The token is spent by a compare-and-swap, so it works exactly once and never after expiry.
 */
@Injectable()
export class AcceptInvitationUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly login: LoginUseCase,
    private readonly clock: Clock,
  ) {}

  private async find(token: string): Promise<Invitation> {
    const inv = typeof token === 'string' && token.length <= 100 ? await this.accounts.findInvitationByHash(hashToken(token)) : null;
    if (!inv || inv.revokedAt) {
      throw accountsError('INVITATION_NOT_FOUND', 'This invitation link is not valid.');
    }
    if (inv.acceptedAt) {
      throw accountsError('INVITATION_USED', 'This invitation was already used.');
    }
    if (inv.expiresAt.getTime() <= this.clock.nowMs()) {
      throw accountsError('INVITATION_EXPIRED', 'This invitation has expired: ask for a new one.');
    }
    return inv;
  }

  async execute(token: string, body: AcceptInvitationDto, principal?: Principal): Promise<AcceptResult> {
    const inv = await this.find(token);
    let user: User | null;
    let created = false;
    let passwordHash: string | undefined;
    if (principal) {
      if (principal.email.toLowerCase() !== inv.email.toLowerCase()) {
        throw accountsError('INVITATION_EMAIL_MISMATCH', 'This invitation was sent to another address: sign in as that person.');
      }
      user = await this.users.findById(principal.userId);
    } else {
      user = await this.users.findByEmail(inv.email);
      if (!body.password) {
        throw accountsError('PASSWORD_REQUIRED', 'Invalid field(s): password.', {
          errors: [{ field: 'password', message: user ? 'is required: your current password' : 'is required: choose a password' }],
        });
      }
      if (user) {
        if (!user.passwordHash || !(await this.hasher.verify(user.passwordHash, body.password))) {
          throw accountsError('WRONG_PASSWORD', 'Invalid field(s): password. The password is not right.', {
            errors: [{ field: 'password', message: 'is not right' }],
          });
        }
      } else {
        const weak = checkPassword(body.password, inv.email, 'password');
        if (weak) {
          throw accountsError('PASSWORD_REQUIRED', `Invalid field(s): password. The password ${weak.message}.`, { errors: [weak] });
        }
        passwordHash = await this.hasher.hash(body.password);
      }
    }
    const now = this.clock.now();
    const joined = await this.dataSource.transaction(async (m) => {
      let member = user;
      if (!member) {
        member = await this.users.insert(
          {
            email: inv.email,
            displayName: body.displayName?.trim() || inv.email.split('@')[0]!,
            passwordHash: passwordHash!,
            // The link reached this inbox: that verifies the address.
            emailVerifiedAt: now,
            timezone: 'UTC',
            language: 'en',
            preferences: {},
            createdAt: now,
            updatedAt: now,
            passwordChangedAt: now,
          },
          m,
        );
        if (!member) {
          throw accountsError('INVITATION_USED', 'This invitation was already used.');
        }
        created = true;
      }
      if (!(await this.accounts.markAccepted(inv.id, member.id, now, m))) {
        throw accountsError('INVITATION_USED', 'This invitation was already used.');
      }
      if (!(await this.accounts.insertMembership(inv.accountId, member.id, inv.role, now, m))) {
        throw accountsError('ALREADY_MEMBER', 'You are already a member of this account.');
      }
      await this.audit.record(
        {
          action: AccountAuditAction.InvitationAccepted,
          actorUserId: member.id,
          subjectUserId: member.id,
          accountId: inv.accountId,
          metadata: { invitationId: inv.id, role: inv.role, created },
        },
        m,
      );
      await this.audit.record(
        {
          action: AccountAuditAction.MemberJoined,
          actorUserId: member.id,
          subjectUserId: member.id,
          accountId: inv.accountId,
          metadata: { role: inv.role },
        },
        m,
      );
      return member;
    });
    return { accountId: inv.accountId, role: inv.role, user: joined, created, signIn: !principal };
  }

  issueSession(user: User, ip: string | undefined, userAgent: string | undefined, restricted: boolean) {
    return this.login.issueSession(user, describeClient(ip, userAgent), restricted ? 'mfa_setup_required' : null, { method: 'invitation' });
  }
}
