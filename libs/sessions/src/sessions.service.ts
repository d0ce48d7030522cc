import { AuditAction, AuditService } from '@latchkey/audit';
import {
  APP_CONFIG,
  AppConfig,
  ChangeFeed,
  UserScopedCache,
  ClientInfo,
  Clock,
  Metrics,
  SessionPrincipal,
  SessionRestriction,
  SqlBatch,
  hashToken,
  randomToken,
} from '@latchkey/core';
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { SessionDto } from './dto/session.dto';
import { Session } from './session.entity';
import { sessionsError } from './sessions.exception';
import { SessionsRepository } from './sessions.repository';

/** last_active_at is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;
const CACHE_MAX_ENTRIES = 50_000;
const CACHE_MAX_AGE_MS = 10 * 60_000;

interface CachedSession {
  principal: Omit<SessionPrincipal, 'via'>;
  lastActiveMs: number;
  expiresMs: number;
}
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
 * Opaque 256-bit tokens, stored as SHA-256. A revocation is seen by every instance on the very
 * next request: on PostgreSQL a session is looked up in the database once and then served from
 * this instance's cache only while the change feed is live (every committed change to a user's
 * sessions evicts them everywhere before the revoking request answers; see `heard`); without a
 * live feed (PGlite, or the listening connection lost) every request reads the database.
 */
@Injectable()
export class SessionsService {
  /**
   * Sessions already seen, by token hash, trusted only while the change feed is live (see
   * UserScopedCache): every committed change to a user's sessions or identity (revocation,
   * restriction, deletion) drops that user's entries on every instance before the next request.
   */
  private readonly cache: UserScopedCache<CachedSession>;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feed: ChangeFeed,
    private readonly metrics: Metrics,
  ) {
    this.cache = new UserScopedCache(feed, { maxEntries: CACHE_MAX_ENTRIES, maxAgeMs: CACHE_MAX_AGE_MS });
  }

  /** Local eviction for this instance; the change feed evicts on every other one at commit. */
  invalidate(userId: string): void {
    this.cache.forget(userId);
  }

  private isAlive(lastActiveMs: number, expiresMs: number, now: number): boolean {
    return expiresMs > now && lastActiveMs + this.config.auth.sessionIdleSeconds * 1000 > now;
  }

  private async touchIfDue(sessionId: string, lastActiveMs: number, now: number): Promise<boolean> {
    if (now - lastActiveMs >= TOUCH_EVERY_MS) {
      await this.sessions.touch(sessionId, new Date(now));
      return true;
    }
    return false;
  }

  async create(
    userId: string,
    client: ClientInfo,
    options: { restriction?: SessionRestriction | null } = {},
    manager?: EntityManager,
  ): Promise<IssuedSession> {
    const { token, session: row } = this.newSession(userId, client, options);
    const session = await this.sessions.insert(row, manager);
    return { token, csrfToken: csrfTokenFor(token), session };
  }

  /** The same session as `create`, written by `batch` (one round trip with the rest of a sign-in). */
  prepare(userId: string, client: ClientInfo, options: { restriction?: SessionRestriction | null }, batch: SqlBatch): IssuedSession {
    const { token, session } = this.newSession(userId, client, options);
    const withId = { ...session, id: randomUUID() } as Session;
    batch.insert('sessions', {
      id: withId.id,
      user_id: session.userId,
      token_hash: session.tokenHash,
      created_at: session.createdAt,
      last_active_at: session.lastActiveAt,
      reauthenticated_at: session.reauthenticatedAt,
      expires_at: session.expiresAt,
      restriction: session.restriction,
      ip: session.ip,
      user_agent: session.userAgent,
      browser: session.browser,
      os: session.os,
      device_type: session.deviceType,
      location: session.location,
    });
    return { token, csrfToken: csrfTokenFor(token), session: withId };
  }

  private newSession(userId: string, client: ClientInfo, options: { restriction?: SessionRestriction | null }) {
    const token = randomToken(32, SESSION_TOKEN_PREFIX);
    const now = this.clock.now();
    return {
      token,
      session: {
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
      } satisfies Partial<Session>,
    };
  }

  /**
   * The principal for a presented token, or undefined when unknown, revoked, idle or expired.
   * A session this instance holds in memory, not due for its last-active write, is answered
   * without a promise: that is most requests, and each promise costs the request context's hooks.
   */
  authenticate(token: string, via: SessionPrincipal['via']): SessionPrincipal | undefined | Promise<SessionPrincipal | undefined> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) {
      return undefined;
    }
    const hash = hashToken(token);
    const now = this.clock.nowMs();
    const cached = this.cache.get(hash, now);
    if (cached && this.isAlive(cached.lastActiveMs, cached.expiresMs, now)) {
      if (now - cached.lastActiveMs < TOUCH_EVERY_MS) {
        return { ...cached.principal, via };
      }
      // Claimed before the write: of the requests in flight on this session when the minute
      // turns, one writes last_active_at, instead of every one of them at once.
      const previous = cached.lastActiveMs;
      cached.lastActiveMs = now;
      return this.sessions.touch(cached.principal.sessionId, new Date(now)).then(
        () => ({ ...cached.principal, via }),
        (err: unknown) => {
          cached.lastActiveMs = previous;
          throw err;
        },
      );
    }
    return this.authenticateFromDatabase(hash, via, now);
  }

  private async authenticateFromDatabase(hash: string, via: SessionPrincipal['via'], now: number): Promise<SessionPrincipal | undefined> {
    const readStarted = this.cache.readStarted();
    const row = await this.sessions.findForToken(hash);
    if (!row || row.revoked_at) {
      return undefined;
    }
    let lastActiveMs = new Date(row.last_active_at).getTime();
    const expiresMs = new Date(row.expires_at).getTime();
    if (!this.isAlive(lastActiveMs, expiresMs, now)) {
      return undefined;
    }
    if (await this.touchIfDue(row.session_id, lastActiveMs, now)) {
      lastActiveMs = now;
    }
    const principal = {
      kind: 'session' as const,
      userId: row.user_id,
      sessionId: row.session_id,
      email: row.email,
      staffRole: row.staff_role,
      restriction: row.restriction,
      reauthenticatedAt: row.reauthenticated_at ? new Date(row.reauthenticated_at) : null,
    };
    this.cache.set(hash, principal.userId, { principal, lastActiveMs, expiresMs }, readStarted, now);
    return { ...principal, via };
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
    this.invalidate(userId);
    const heard = this.feed.heard(userId);
    const ok = await this.sessions.revoke(userId, sessionId, this.clock.now(), 'revoked');
    if (!ok) {
      throw sessionsError('SESSION_NOT_FOUND', 'No such session.');
    }
    this.metrics.sessionsRevoked.inc({ reason: 'revoked' });
    await heard;
    await this.audit.record({ action: AuditAction.SessionRevoked, actorUserId, subjectUserId: userId, metadata: { sessionId } });
  }

  async revokeAll(
    userId: string,
    options: { exceptSessionId?: string; reason: string; actorUserId?: string | null; actorKind?: 'user' | 'staff' | 'system' },
    manager?: EntityManager,
  ): Promise<number> {
    this.invalidate(userId);
    const heard = manager ? undefined : this.feed.heard(userId);
    const count = await this.sessions.revokeAllExcept(userId, options.exceptSessionId, this.clock.now(), options.reason, manager);
    this.metrics.sessionsRevoked.inc({ reason: options.reason }, count);
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
    await heard;
    return count;
  }

  /**
   * For a transaction that will revoke or restrict a user's sessions: call before it starts,
   * await after it commits, so the response cannot outrun the news reaching other instances.
   */
  watch(userId: string): Promise<void> {
    return this.feed.heard(userId);
  }

  async end(userId: string, sessionId: string): Promise<void> {
    this.invalidate(userId);
    const heard = this.feed.heard(userId);
    if (await this.sessions.revoke(userId, sessionId, this.clock.now(), 'logout')) {
      this.metrics.sessionsRevoked.inc({ reason: 'logout' });
    }
    await heard;
  }

  /** Outside a transaction, answers once every instance has dropped the old principal (a restriction must hold at once). */
  async setRestriction(userId: string, sessionId: string, restriction: SessionRestriction | null, manager?: EntityManager) {
    this.invalidate(userId);
    const heard = manager || !restriction ? undefined : this.feed.heard(userId);
    await this.sessions.setRestriction(userId, sessionId, restriction, manager);
    await heard;
  }

  async markReauthenticated(userId: string, sessionId: string): Promise<void> {
    this.invalidate(userId);
    await this.sessions.markReauthenticated(userId, sessionId, this.clock.now());
  }
}
