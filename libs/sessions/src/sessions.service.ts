import { AuditAction, AuditService } from '@latchkey/audit';
import { APP_CONFIG, AppConfig, ClientInfo, Clock, Principal, SessionRestriction, hashToken, randomToken } from '@latchkey/core';
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { SessionDto } from './dto/session.dto';
import { Session } from './session.entity';
import { sessionsError } from './sessions.exception';
import { SessionsRepository } from './sessions.repository';

/** last_active_at is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;
export const SESSION_TOKEN_PREFIX = 'lks_';

export interface IssuedSession {
  token: string;
  csrfToken: string;
  session: Session;
}

/** The CSRF token is derived from the session token: no storage, and useless without the cookie. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf:${sessionToken}`).digest('base64url');
}

/**
 * Opaque 256-bit tokens, stored as SHA-256. Every request looks its session up in the database,
 * so a revocation is seen by every instance on the very next request.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    userId: string,
    client: ClientInfo,
    options: { restriction?: SessionRestriction | null } = {},
    manager?: EntityManager,
  ): Promise<IssuedSession> {
    const token = randomToken(32, SESSION_TOKEN_PREFIX);
    const now = this.clock.now();
    const session = await this.sessions.insert(
      {
        userId,
        tokenHash: hashToken(token),
        createdAt: now,
        lastActiveAt: now,
        reauthenticatedAt: now,
        expiresAt: new Date(now.getTime() + this.config.auth.sessionAbsoluteSeconds * 1000),
        restriction: options.restriction ?? null,
        ip: client.ip ?? null,
        userAgent: client.userAgent ?? null,
        browser: client.browser,
        os: client.os,
        deviceType: client.deviceType,
        location: client.location,
      },
      manager,
    );
    return { token, csrfToken: csrfTokenFor(token), session };
  }

  /** The principal for a presented token, or undefined when unknown, revoked, idle or expired. */
  async authenticate(token: string, via: Principal['via']): Promise<Principal | undefined> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) {
      return undefined;
    }
    const row = await this.sessions.findForToken(hashToken(token));
    if (!row || row.revoked_at) {
      return undefined;
    }
    const now = this.clock.nowMs();
    const lastActive = new Date(row.last_active_at).getTime();
    if (new Date(row.expires_at).getTime() <= now || lastActive + this.config.auth.sessionIdleSeconds * 1000 <= now) {
      return undefined;
    }
    if (now - lastActive >= TOUCH_EVERY_MS) {
      await this.sessions.touch(row.session_id, new Date(now));
    }
    return {
      userId: row.user_id,
      sessionId: row.session_id,
      email: row.email,
      staffRole: row.staff_role,
      restriction: row.restriction,
      reauthenticatedAt: row.reauthenticated_at ? new Date(row.reauthenticated_at) : null,
      via,
    };
  }

  async list(userId: string, currentSessionId?: string): Promise<SessionDto[]> {
    const now = this.clock.now();
    const idleCutoff = new Date(now.getTime() - this.config.auth.sessionIdleSeconds * 1000);
    const rows = await this.sessions.listActive(userId, now, idleCutoff);
    return rows.map((s) => ({
      id: s.id,
      current: s.id === currentSessionId,
      createdAt: s.createdAt.toISOString(),
      lastActiveAt: s.lastActiveAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      ip: s.ip,
      browser: s.browser,
      os: s.os,
      deviceType: s.deviceType,
      location: s.location,
      restricted: s.restriction !== null,
    }));
  }

  /** Another user's session id answers 404, exactly like an unknown id. */
  async revoke(userId: string, sessionId: string, actorUserId = userId): Promise<void> {
    const ok = await this.sessions.revoke(userId, sessionId, this.clock.now(), 'revoked');
    if (!ok) {
      throw sessionsError('SESSION_NOT_FOUND', 'No such session.');
    }
    await this.audit.record({ action: AuditAction.SessionRevoked, actorUserId, subjectUserId: userId, metadata: { sessionId } });
  }

  async revokeAll(
    userId: string,
    options: { exceptSessionId?: string; reason: string; actorUserId?: string | null; actorKind?: 'user' | 'staff' | 'system' },
    manager?: EntityManager,
  ): Promise<number> {
    const count = await this.sessions.revokeAllExcept(userId, options.exceptSessionId, this.clock.now(), options.reason, manager);
    await this.audit.record(
      {
        action: AuditAction.SessionsRevoked,
        actorUserId: options.actorUserId === undefined ? userId : options.actorUserId,
        actorKind: options.actorKind,
        subjectUserId: userId,
        metadata: { count, reason: options.reason, keptCurrent: Boolean(options.exceptSessionId) },
      },
      manager,
    );
    return count;
  }

  async end(userId: string, sessionId: string): Promise<void> {
    await this.sessions.revoke(userId, sessionId, this.clock.now(), 'logout');
  }

  async setRestriction(userId: string, sessionId: string, restriction: SessionRestriction | null, manager?: EntityManager) {
    await this.sessions.setRestriction(userId, sessionId, restriction, manager);
  }

  async markReauthenticated(userId: string, sessionId: string): Promise<void> {
    await this.sessions.markReauthenticated(userId, sessionId, this.clock.now());
  }
}
