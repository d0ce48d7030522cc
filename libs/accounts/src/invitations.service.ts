import { AuditService } from '@latchkey/audit';
import { Clock, Links, MailCaps, UserPrincipal, decodeCursor, hashToken, randomToken, toPage } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole } from './account-role';
import { AccountAuditAction, INVITATION_TTL_MS } from './accounts.constants';
import { accountsError } from './accounts.exception';
import { AccountsRepository } from './accounts.repository';
import { InvitationDto, InvitationPageDto } from './dto/accounts.dto';
import { Invitation } from './entities';
import { ActiveMembership } from './guards/account-role.guard';

const INVITATION_TOKEN_PREFIX = 'lki_';

@Injectable()
export class InvitationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly clock: Clock,
    private readonly links: Links,
    private readonly mailCaps: MailCaps,
  ) {}

  toDto(i: Invitation): InvitationDto {
    const status = i.acceptedAt
      ? 'accepted'
      : i.revokedAt
        ? 'revoked'
        : i.expiresAt.getTime() <= this.clock.nowMs()
          ? 'expired'
          : 'pending';
    return { id: i.id, email: i.email, role: i.role, status, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() };
  }

  /** Capped per invited address and per IP (MAIL_PER_ADDRESS_HOURLY, MAIL_PER_IP_HOURLY): anyone can open an account and invite. */
  async invite(
    principal: UserPrincipal,
    actor: ActiveMembership,
    emailRaw: string,
    role: AccountRole,
    ip?: string,
  ): Promise<InvitationDto> {
    if (role === AccountRole.Owner && actor.role !== AccountRole.Owner) {
      throw accountsError('OWNER_ONLY', 'Only an owner can invite an owner.');
    }
    const email = emailRaw.trim().toLowerCase();
    await this.mailCaps.check('invitation', email, ip);
    const accountId = actor.accountId;
    const existing = await this.users.findByEmail(email);
    if (existing && (await this.accounts.findMembership(accountId, existing.id))) {
      throw accountsError('ALREADY_MEMBER', 'Invalid field(s): email. That person is already a member.', {
        errors: [{ field: 'email', message: 'is already a member of this account' }],
      });
    }
    const now = this.clock.now();
    const token = randomToken(32, INVITATION_TOKEN_PREFIX);
    const invitation = await this.dataSource.transaction(async (m) => {
      await this.accounts.revokePendingFor(accountId, email, now, m);
      const inv = await this.accounts.insertInvitation(
        {
          accountId,
          email,
          role,
          tokenHash: hashToken(token),
          invitedByUserId: principal.userId,
          createdAt: now,
          expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
        },
        m,
      );
      await this.audit.record(
        {
          action: AccountAuditAction.InvitationCreated,
          actorUserId: principal.userId,
          accountId,
          subjectUserId: existing?.id ?? null,
          metadata: { invitationId: inv.id, email, role },
        },
        m,
      );
      await this.sendEmail(principal, actor, inv, token, m);
      return inv;
    });
    return this.toDto(invitation);
  }

  private async sendEmail(principal: UserPrincipal, actor: ActiveMembership, inv: Invitation, token: string, m: EntityManager) {
    const inviter = await this.users.findById(principal.userId, m);
    await this.notifications.notify(
      {
        event: 'team.invited',
        to: { email: inv.email, name: inv.email },
        data: {
          accountName: actor.account.name,
          inviterName: inviter?.displayName ?? 'A team member',
          role: inv.role,
          link: this.links.build('accept_invitation', token),
          expiresAt: inv.expiresAt.toUTCString(),
        },
      },
      m,
    );
  }

  async list(accountId: string, limit: number, cursor?: string): Promise<InvitationPageDto> {
    const rows = await this.accounts.listInvitations(accountId, limit, decodeCursor(cursor));
    return toPage(
      rows,
      limit,
      (r) => r.createdAt,
      (r) => this.toDto(r),
    );
  }

  private async pending(accountId: string, invitationId: string, m: EntityManager): Promise<Invitation> {
    const inv = await this.accounts.findInvitation(accountId, invitationId, m);
    if (!inv) {
      throw accountsError('INVITATION_NOT_FOUND', 'No such invitation in this account.');
    }
    if (inv.acceptedAt) {
      throw accountsError('INVITATION_USED', 'That invitation was already accepted.');
    }
    return inv;
  }

  async revoke(principal: UserPrincipal, actor: ActiveMembership, invitationId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const inv = await this.pending(actor.accountId, invitationId, m);
      if (inv.role === AccountRole.Owner && actor.role !== AccountRole.Owner) {
        throw accountsError('OWNER_ONLY', 'Only an owner can revoke an owner invitation.');
      }
      if (inv.revokedAt) {
        return;
      }
      await this.accounts.updateInvitation(actor.accountId, inv.id, { revokedAt: this.clock.now() }, m);
      await this.audit.record(
        {
          action: AccountAuditAction.InvitationRevoked,
          actorUserId: principal.userId,
          accountId: actor.accountId,
          metadata: { invitationId: inv.id, email: inv.email },
        },
        m,
      );
    });
  }

  /** A fresh link (the old one stops working) and a fresh 7 days. */
  async resend(principal: UserPrincipal, actor: ActiveMembership, invitationId: string, ip?: string): Promise<InvitationDto> {
    // Counted outside the transaction: on the embedded database both share one connection.
    const target = await this.dataSource.transaction((m) => this.pending(actor.accountId, invitationId, m));
    await this.mailCaps.check('invitation', target.email, ip);
    const token = randomToken(32, INVITATION_TOKEN_PREFIX);
    const now = this.clock.now();
    const inv = await this.dataSource.transaction(async (m) => {
      const found = await this.pending(actor.accountId, invitationId, m);
      if (found.role === AccountRole.Owner && actor.role !== AccountRole.Owner) {
        throw accountsError('OWNER_ONLY', 'Only an owner can resend an owner invitation.');
      }
      const patch = { tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS), revokedAt: null };
      await this.accounts.updateInvitation(actor.accountId, found.id, patch, m);
      const updated = Object.assign(found, patch);
      await this.audit.record(
        {
          action: AccountAuditAction.InvitationResent,
          actorUserId: principal.userId,
          accountId: actor.accountId,
          metadata: { invitationId: found.id, email: found.email },
        },
        m,
      );
      await this.sendEmail(principal, actor, updated, token, m);
      return updated;
    });
    return this.toDto(inv);
  }
}
