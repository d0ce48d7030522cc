import { AccountsService } from '@latchkey/accounts';
import { AuditService } from '@latchkey/audit';
import { ReauthService } from '@latchkey/auth';
import {
  APP_CONFIG,
  AppConfig,
  BackgroundTasks,
  Clock,
  hashToken,
  Links,
  Page,
  PersonalDataErasure,
  UserPrincipal,
  randomToken,
  RateLimitStore,
  requestContext,
  SecretBox,
  toPage,
} from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { EventType, NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { OpenTicketDto, TicketDetailDto, TicketDto, TicketLinkPreviewDto, TicketQueryDto } from './dto/support.dto';
import { CheckKind, SupportTicket } from './entities';
import { SUPPORT_OPTIONS, SupportAuditAction, SupportOptions } from './support.constants';
import { invalidToken, supportError, ticketNotFound } from './support.exception';
import { SupportTicketsRepository } from './support-tickets.repository';
import { assertTransition, TicketState } from './ticket-state';

export interface Actor {
  id: string | null;
  kind: 'user' | 'staff' | 'system' | 'anonymous';
}

const staff = (p: UserPrincipal): Actor => ({ id: p.userId, kind: 'staff' });
const CANCEL_CONTEXT = 'support-ticket-cancel';

export function toTicketDto(t: SupportTicket): TicketDto {
  return {
    id: t.id,
    reference: t.reference,
    type: t.type,
    state: t.state,
    email: t.email,
    userId: t.userId,
    message: t.message,
    verifierId: t.verifierId,
    approverId: t.approverId,
    approvedAt: t.approvedAt?.toISOString() ?? null,
    executeAfter: t.executeAfter?.toISOString() ?? null,
    executedAt: t.executedAt?.toISOString() ?? null,
    reason: t.reason,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function toLinkPreview(t: SupportTicket): TicketLinkPreviewDto {
  return { reference: t.reference, type: t.type, state: t.state, executeAfter: t.executeAfter?.toISOString() ?? null };
}

/**
 * The support desk's ticket workflow. Every state change goes through `transition`, which checks
 * the one transition table and writes the ticket trail and the audit log in the same transaction.
 */
@Injectable()
export class SupportTicketsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SUPPORT_OPTIONS) private readonly options: SupportOptions,
    private readonly tickets: SupportTicketsRepository,
    private readonly users: UsersService,
    private readonly mfa: MfaService,
    private readonly sessions: SessionsService,
    private readonly accounts: AccountsService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly rateLimits: RateLimitStore,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly links: Links,
    private readonly reauth: ReauthService,
    private readonly background: BackgroundTasks,
    private readonly erasure: PersonalDataErasure,
  ) {}

  // --- The requester ------------------------------------------------------------------------

  /** Same work and the same answer whether or not the address has a user; only a user's address gets the link. */
  async open(input: OpenTicketDto, ip: string | undefined): Promise<void> {
    const email = input.email.trim().toLowerCase();
    await this.throttle(`support:ip:${ip ?? 'unknown'}`, this.options.perIpLimit);
    await this.throttle(`support:email:${hashToken(email)}`, this.options.perEmailLimit);
    const user = await this.users.findByEmail(email);
    const token = randomToken(32);
    const now = this.clock.now();
    const ticket = await this.dataSource.transaction(async (m) => {
      const inserted = await this.tickets.insert(
        {
          type: input.type,
          email,
          userId: user?.id ?? null,
          message: input.message.trim(),
          state: 'awaiting_email_confirmation',
          confirmTokenHash: hashToken(token),
          createdAt: now,
          updatedAt: now,
        },
        m,
      );
      await this.trail(inserted, null, 'awaiting_email_confirmation', { id: null, kind: 'anonymous' }, null, m);
      return inserted;
    });
    if (user) {
      // Mailed after the answer, so a known address does not answer later than an unknown one.
      this.background.run('support-ticket-confirm', () =>
        this.dataSource.transaction((m) =>
          this.notify(user, 'support.ticket_confirm', ticket, m, {
            link: this.links.build('support_confirm', token),
            validHours: this.options.confirmTtlMs / 3600_000,
          }),
        ),
      );
    }
  }

  async confirm(token: string, ip: string | undefined): Promise<void> {
    await this.throttle(`support:link:ip:${ip ?? 'unknown'}`, this.options.linkPerIpLimit);
    const expired = await this.dataSource.transaction(async (m) => {
      const ticket = await this.tickets.findByConfirmHash(hashToken(token), m);
      if (!ticket || !ticket.userId) {
        throw invalidToken();
      }
      if (ticket.createdAt.getTime() + this.options.confirmTtlMs <= this.clock.nowMs()) {
        await this.transition(ticket, 'expired', { id: null, kind: 'system' }, 'email not confirmed in time', m, {
          confirmTokenHash: null,
        });
        return true;
      }
      const user = await this.users.findById(ticket.userId, m);
      if (!user) {
        throw invalidToken();
      }
      const cancel = randomToken(32);
      await this.transition(ticket, 'open', { id: user.id, kind: 'user' }, 'email confirmed', m, {
        confirmTokenHash: null,
        cancelTokenHash: hashToken(cancel),
        cancelTokenSealed: this.secrets.seal(cancel, CANCEL_CONTEXT),
      });
      await this.tickets.insertChecks(
        [
          {
            ticketId: ticket.id,
            kind: 'email_control',
            note: 'Followed the link sent to the address on file',
            agentId: null,
            createdAt: this.clock.now(),
          },
        ],
        m,
      );
      if (ticket.type === 'mfa_reset') {
        await this.notify(user, 'security.mfa_reset_requested', ticket, m, { cancelLink: this.cancelLink(cancel) });
      }
      return false;
    });
    if (expired) {
      throw supportError('LINK_EXPIRED', 'This link expired: open a new ticket.');
    }
  }

  /** What the emailed cancel link would stop: the token alone identifies the ticket. */
  async previewCancel(token: string, ip: string | undefined): Promise<TicketLinkPreviewDto> {
    await this.throttle(`support:link:ip:${ip ?? 'unknown'}`, this.options.linkPerIpLimit);
    const ticket = await this.dataSource.transaction((m) => this.tickets.findByCancelHash(hashToken(token), m));
    if (!ticket) {
      throw invalidToken();
    }
    return toLinkPreview(ticket);
  }

  /** By the emailed link: stops the ticket wherever it is, unless it already ended (409). */
  async cancel(token: string, ip: string | undefined): Promise<TicketLinkPreviewDto> {
    await this.throttle(`support:link:ip:${ip ?? 'unknown'}`, this.options.linkPerIpLimit);
    return this.dataSource.transaction(async (m) => {
      const ticket = await this.tickets.findByCancelHash(hashToken(token), m);
      if (!ticket) {
        throw invalidToken();
      }
      await this.transition(
        ticket,
        'cancelled',
        { id: ticket.userId, kind: ticket.userId ? 'user' : 'anonymous' },
        'cancelled by the emailed link',
        m,
      );
      const user = ticket.userId ? await this.users.findById(ticket.userId, m) : null;
      if (user && ticket.type === 'mfa_reset') {
        await this.notify(user, 'security.mfa_reset_cancelled', ticket, m, { by: 'you' });
      }
      return toLinkPreview(ticket);
    });
  }

  // --- The desk -----------------------------------------------------------------------------

  async list(query: TicketQueryDto): Promise<Page<TicketDto>> {
    await this.expireStale();
    const limit = query.limit ?? 20;
    const rows = await this.tickets.listQueue({ state: query.state, type: query.type, q: query.q }, limit, query.cursor);
    return toPage(rows, limit, (r) => r.createdAt, toTicketDto);
  }

  async detail(id: string): Promise<TicketDetailDto> {
    const ticket = await this.tickets.findById(id);
    if (!ticket || ticket.state === 'awaiting_email_confirmation' || ticket.state === 'expired') {
      throw ticketNotFound();
    }
    const [checks, events] = await Promise.all([this.tickets.checks(id), this.tickets.events(id)]);
    const people = await this.users.findRefs([
      ticket.userId,
      ticket.verifierId,
      ticket.approverId,
      ...checks.map((c) => c.agentId),
      ...events.map((e) => e.actorId),
    ]);
    const ref = (userId: string | null) => (userId && people.get(userId)) || null;
    return {
      ...toTicketDto(ticket),
      requester: ref(ticket.userId),
      verifier: ref(ticket.verifierId),
      approver: ref(ticket.approverId),
      checks: checks.map((c) => ({
        kind: c.kind,
        note: c.note,
        agentId: c.agentId,
        agent: ref(c.agentId),
        createdAt: c.createdAt.toISOString(),
      })),
      checksMissing: Math.max(0, this.options.requiredChecks - new Set(checks.map((c) => c.kind)).size),
      events: events.map((e) => ({
        fromState: e.fromState,
        toState: e.toState,
        actorId: e.actorId,
        actor: ref(e.actorId),
        actorKind: e.actorKind,
        reason: e.reason,
        ip: e.ip,
        at: e.at.toISOString(),
      })),
    };
  }

  async recordChecks(p: UserPrincipal, id: string, checks: Array<{ kind: CheckKind; note: string }>): Promise<TicketDetailDto> {
    await this.dataSource.transaction(async (m) => {
      const ticket = await this.lockQueued(id, m);
      if (!['open', 'verifying', 'awaiting_approval'].includes(ticket.state)) {
        assertTransition(ticket.state, 'verifying');
      }
      const now = this.clock.now();
      await this.tickets.insertChecks(
        checks.map((c) => ({ ticketId: id, kind: c.kind, note: c.note.trim(), agentId: p.userId, createdAt: now })),
        m,
      );
      await this.audit.record(
        {
          action: SupportAuditAction.CheckRecorded,
          actorUserId: p.userId,
          actorKind: 'staff',
          subjectUserId: ticket.userId,
          metadata: { ticketId: id, kinds: checks.map((c) => c.kind) },
        },
        m,
      );
      if (ticket.state === 'open') {
        await this.transition(ticket, 'verifying', staff(p), `checks recorded: ${checks.map((c) => c.kind).join(', ')}`, m, {
          verifierId: p.userId,
        });
      }
      const kinds = new Set((await this.tickets.checks(id, m)).map((c) => c.kind));
      if (ticket.state === 'verifying' && kinds.size >= this.options.requiredChecks) {
        await this.transition(ticket, 'awaiting_approval', staff(p), `${kinds.size} distinct checks recorded`, m);
      }
    });
    return this.detail(id);
  }

  /** Needs a fresh reauth (a sign-in in the last 5 minutes, or password and code); a code is spent only with the approval. */
  async approve(p: UserPrincipal, id: string, reason: string, proof: { password?: string; code?: string } = {}): Promise<TicketDetailDto> {
    const reauthenticated = await this.reauth.assert(p, proof);
    await this.dataSource.transaction(async (m) => {
      const ticket = await this.lockQueued(id, m);
      await this.assertFourEyes(p, ticket, m);
      assertTransition(ticket.state, 'approved');
      await reauthenticated.spend(m);
      const now = this.clock.now();
      const executeAfter = new Date(now.getTime() + this.config.support.mfaResetCooldownHours * 3600_000);
      await this.transition(ticket, 'approved', staff(p), reason, m, { approverId: p.userId, approvedAt: now, executeAfter, reason });
      const user = ticket.userId ? await this.users.findById(ticket.userId, m) : null;
      if (user && ticket.type === 'mfa_reset' && ticket.cancelTokenSealed) {
        await this.notify(user, 'security.mfa_reset_approved', ticket, m, {
          runsAt: executeAfter.toUTCString(),
          cancelLink: this.cancelLink(this.secrets.open(ticket.cancelTokenSealed, CANCEL_CONTEXT)),
        });
      }
    });
    return this.detail(id);
  }

  async reject(p: UserPrincipal, id: string, reason: string): Promise<TicketDetailDto> {
    await this.dataSource.transaction(async (m) => {
      const ticket = await this.lockQueued(id, m);
      await this.assertFourEyes(p, ticket, m);
      await this.transition(ticket, 'rejected', staff(p), reason, m, { approverId: p.userId, reason });
    });
    return this.detail(id);
  }

  /** After the cool-down only. The whole reset commits or nothing does. */
  /** Needs a fresh reauth, as approve; a code is spent only when the reset or deletion runs. */
  async execute(p: UserPrincipal, id: string, proof: { password?: string; code?: string } = {}): Promise<TicketDetailDto> {
    const reauthenticated = await this.reauth.assert(p, proof);
    const peek = await this.tickets.findById(id);
    const watched = peek?.userId ? this.sessions.watch(peek.userId) : undefined;
    await this.dataSource.transaction(async (m) => {
      const ticket = await this.lockQueued(id, m);
      assertTransition(ticket.state, 'executed');
      if (!ticket.executeAfter || this.clock.nowMs() < ticket.executeAfter.getTime()) {
        throw supportError('COOLDOWN_NOT_OVER', `The cool-down ends at ${ticket.executeAfter?.toISOString() ?? 'an unknown time'}.`, {
          data: { executeAfter: ticket.executeAfter?.toISOString() ?? null },
        });
      }
      await reauthenticated.spend(m);
      const user = ticket.userId ? await this.users.findById(ticket.userId, m) : null;
      if (ticket.type !== 'other' && !user) {
        throw supportError('NO_USER', 'The user of this ticket no longer exists.');
      }
      if (user && ticket.type === 'mfa_reset') {
        await this.resetMfa(p, ticket, user, m);
      } else if (user && ticket.type === 'account_deletion') {
        await this.beginUserDeletion(p, ticket, user, m);
      }
      await this.transition(ticket, 'executed', staff(p), `executed ${ticket.type}`, m, { executedAt: this.clock.now() });
      if (user && ticket.type === 'account_deletion') {
        // Last, so the trail entry just written is pseudonymised with the rest: the same erasure as a
        // self-service deletion at the end of its grace period (the cool-down was this path's).
        await this.erasure.eraseAll(this.erasure.subjectOf(user), m);
        await this.users.deleteRow(user.id, m);
      }
    });
    if (peek?.userId) {
      this.sessions.invalidate(peek.userId);
    }
    await watched;
    return this.detail(id);
  }

  /** Sweeps unconfirmed tickets whose link has expired into `expired`. */
  async expireStale(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const stale = await this.tickets.staleUnconfirmed(new Date(this.clock.nowMs() - this.options.confirmTtlMs), m);
      for (const t of stale) {
        await this.transition(t, 'expired', { id: null, kind: 'system' }, 'email not confirmed in time', m, { confirmTokenHash: null });
      }
      return stale.length;
    });
  }

  // --- Internals ----------------------------------------------------------------------------

  private async resetMfa(p: UserPrincipal, ticket: SupportTicket, user: User, m: EntityManager): Promise<void> {
    await this.mfa.wipe(user, `support ticket ${ticket.reference}`, null, m);
    await this.sessions.revokeAll(user.id, { reason: 'support_mfa_reset', actorUserId: p.userId, actorKind: 'staff' }, m);
    await this.audit.record(
      {
        action: SupportAuditAction.MfaResetExecuted,
        actorUserId: p.userId,
        actorKind: 'staff',
        subjectUserId: user.id,
        metadata: { ticketId: ticket.id },
      },
      m,
    );
    await this.notify(user, 'security.mfa_reset_executed', ticket, m, {});
  }

  /** The sole-owner rule, accounts where they are the only member, the audit entry; the erasure follows the trail entry. */
  private async beginUserDeletion(p: UserPrincipal, ticket: SupportTicket, user: User, m: EntityManager): Promise<void> {
    const mine = await this.accounts.listForUser(user.id, m);
    const blocking = mine.filter((a) => a.role === 'owner' && a.owners === 1 && a.members > 1);
    if (blocking.length) {
      throw supportError('SOLE_OWNER', 'The user is the only owner of an account with other members: ownership must move first.', {
        data: { accountIds: blocking.map((a) => a.account_id) },
      });
    }
    for (const a of mine.filter((x) => x.members === 1)) {
      await this.accounts.deleteAccount(a.account_id, m);
    }
    await this.audit.record(
      {
        action: SupportAuditAction.UserDeleted,
        actorUserId: p.userId,
        actorKind: 'staff',
        subjectUserId: user.id,
        metadata: { ticketId: ticket.id },
      },
      m,
    );
  }

  /** Four eyes: whoever recorded a check on a ticket cannot decide it. */
  private async assertFourEyes(p: UserPrincipal, ticket: SupportTicket, m: EntityManager): Promise<void> {
    const checks = await this.tickets.checks(ticket.id, m);
    if (ticket.verifierId === p.userId || checks.some((c) => c.agentId === p.userId)) {
      throw supportError('FOUR_EYES_REQUIRED', 'You recorded checks on this ticket: another support lead must decide it.');
    }
  }

  private async lockQueued(id: string, m: EntityManager): Promise<SupportTicket> {
    const ticket = await this.tickets.findForUpdate(id, m);
    if (!ticket || ticket.state === 'awaiting_email_confirmation' || ticket.state === 'expired') {
      throw ticketNotFound();
    }
    return ticket;
  }

  private async transition(
    ticket: SupportTicket,
    to: TicketState,
    actor: Actor,
    reason: string | null,
    m: EntityManager,
    patch: Partial<SupportTicket> = {},
  ): Promise<void> {
    const from = ticket.state;
    assertTransition(from, to);
    const now = this.clock.now();
    await this.tickets.update(ticket.id, { ...patch, state: to, updatedAt: now }, m);
    Object.assign(ticket, patch, { state: to, updatedAt: now });
    await this.trail(ticket, from, to, actor, reason, m);
  }

  private async trail(
    ticket: SupportTicket,
    from: TicketState | null,
    to: TicketState,
    actor: Actor,
    reason: string | null,
    m: EntityManager,
  ) {
    const ip = requestContext.get()?.ip ?? null;
    await this.tickets.insertEvent(
      { ticketId: ticket.id, fromState: from, toState: to, actorId: actor.id, actorKind: actor.kind, reason, ip, at: this.clock.now() },
      m,
    );
    await this.audit.record(
      {
        action: from ? SupportAuditAction.TicketTransition : SupportAuditAction.TicketOpened,
        actorUserId: actor.id,
        actorKind: actor.kind,
        subjectUserId: ticket.userId,
        metadata: { ticketId: ticket.id, type: ticket.type, from, to, reason },
      },
      m,
    );
  }

  private async throttle(key: string, limit: number): Promise<void> {
    const now = this.clock.nowMs();
    const hit = await this.rateLimits.hit(key, this.options.limitWindowMs, now);
    if (hit.count > limit) {
      throw supportError('TOO_MANY_TICKETS', 'Too many support requests: try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
      });
    }
  }

  private cancelLink(token: string): string {
    return this.links.build('support_cancel', token);
  }

  private async notify(user: User, event: EventType, ticket: SupportTicket, m: EntityManager, data: Record<string, unknown>) {
    await this.notifications.notify(
      {
        event,
        to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
        data: { ticket: ticket.reference, when: this.clock.now().toUTCString(), ...data },
      },
      m,
    );
  }
}
