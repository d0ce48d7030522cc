import { AccountRole, AccountsService, hasAtLeast } from '@latchkey/accounts';
import { AuditService } from '@latchkey/audit';
import { ReauthService } from '@latchkey/auth';
import {
  API_KEY_PREFIX,
  APP_CONFIG,
  ApiKeyPrincipal,
  ApiKeyScope,
  ApiKeyVerifier,
  AppConfig,
  ChangeFeed,
  UserScopedCache,
  Clock,
  UserPrincipal,
  RateLimitStore,
  coreError,
  constantTimeEqual,
  hashToken,
  randomToken,
} from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { ApiKey } from './api-key.entity';
import {
  API_KEYS_PER_USER,
  API_KEY_DEFAULT_DAYS,
  API_KEY_DISPLAY_LENGTH,
  API_KEY_TOUCH_EVERY_MS,
  ApiKeysAuditAction,
} from './api-keys.constants';
import { apiKeysError } from './api-keys.exception';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeyDto, CreateApiKeyDto } from './dto/api-keys.dto';

const DAY_MS = 24 * 60 * 60_000;
/** Revoked and expired keys stay in the lists this long, then only the data export shows them. */
const LIST_HISTORY_MS = 30 * DAY_MS;
const RATE_WINDOW_MS = 60_000;
const CACHE_MAX_ENTRIES = 50_000;
const CACHE_MAX_AGE_MS = 10 * 60_000;

interface CachedKey {
  principal: ApiKeyPrincipal;
  expiresMs: number | null;
  lastUsedMs: number | null;
}

function scopesOf(requested: readonly string[]): ApiKeyScope[] {
  // write includes read: a key that may change things may also look at them.
  return requested.includes('write') ? ['read', 'write'] : ['read'];
}

/**
 * Personal access tokens: create (after a fresh password + second-factor check), list, revoke,
 * and the verifier the global guard calls on every `Bearer lk_pat_…` request.
 *
 * A key and its user are cached by secret hash only while the change feed is live, as sessions
 * are: a revocation, an expiry change or any change to the user (deletion scheduled) is pushed by
 * PostgreSQL at commit to every instance, which drops that user's keys before the next request;
 * a revocation answers only once every instance has heard it. The membership of an
 * account-bound key is never cached: it is read on every request, so losing it ends the key at once.
 */
@Injectable()
export class ApiKeysService implements ApiKeyVerifier {
  private readonly cache: UserScopedCache<CachedKey>;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly accounts: AccountsService,
    private readonly users: UsersService,
    private readonly reauth: ReauthService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feed: ChangeFeed,
  ) {
    this.cache = new UserScopedCache(feed, { maxEntries: CACHE_MAX_ENTRIES, maxAgeMs: CACHE_MAX_AGE_MS });
  }

  async authenticate(token: string, ip: string | undefined): Promise<ApiKeyPrincipal | undefined> {
    if (!token.startsWith(API_KEY_PREFIX) || token.length > 100) {
      return undefined;
    }
    const hash = hashToken(token);
    const now = this.clock.nowMs();
    const cached = this.cache.get(hash, now);
    if (cached) {
      if (cached.expiresMs !== null && cached.expiresMs <= now) {
        return undefined;
      }
      const grant = cached.principal.apiKey;
      if (grant.accountId && !(await this.accounts.findMembership(grant.accountId, cached.principal.userId))) {
        return undefined;
      }
      if (cached.lastUsedMs === null || now - cached.lastUsedMs >= API_KEY_TOUCH_EVERY_MS) {
        // Claimed before the write (one of the requests in flight writes it), given back if it fails.
        const previous = cached.lastUsedMs;
        cached.lastUsedMs = now;
        await this.keys.touch(grant.keyId, new Date(now), ip ?? null, API_KEY_TOUCH_EVERY_MS).catch((err: unknown) => {
          cached.lastUsedMs = previous;
          throw err;
        });
      }
      return { ...cached.principal };
    }
    const readStarted = this.cache.readStarted();
    const key = await this.keys.findForSecretHash(hash);
    const expiresMs = key?.expires_at ? new Date(key.expires_at).getTime() : null;
    if (!key || !constantTimeEqual(key.secret_hash, hash) || key.revoked_at || (expiresMs !== null && expiresMs <= now)) {
      return undefined;
    }
    const [user, membership] = await Promise.all([
      this.users.findById(key.user_id),
      key.account_id ? this.accounts.findMembership(key.account_id, key.user_id) : Promise.resolve(null),
    ]);
    if (!user || user.deletionScheduledFor || (key.account_id && !membership)) {
      return undefined;
    }
    let lastUsedMs = key.last_used_at ? new Date(key.last_used_at).getTime() : null;
    if (lastUsedMs === null || now - lastUsedMs >= API_KEY_TOUCH_EVERY_MS) {
      await this.keys.touch(key.id, new Date(now), ip ?? null, API_KEY_TOUCH_EVERY_MS);
      lastUsedMs = now;
    }
    const principal: ApiKeyPrincipal = {
      kind: 'api_key',
      userId: key.user_id,
      email: user.email,
      via: 'bearer',
      sessionId: null,
      staffRole: null,
      restriction: null,
      reauthenticatedAt: null,
      apiKey: { keyId: key.id, accountId: key.account_id, roleCap: key.role_cap, scopes: scopesOf(key.scopes) },
    };
    this.cache.set(hash, principal.userId, { principal, expiresMs, lastUsedMs }, readStarted, now);
    return principal;
  }

  async consume(principal: ApiKeyPrincipal): Promise<void> {
    const now = this.clock.nowMs();
    const counter = await this.rateLimits.hit(`api-key:${principal.apiKey.keyId}`, RATE_WINDOW_MS, now);
    if (counter.count > this.config.apiKeys.requestsPerMinute) {
      throw apiKeysError('API_KEY_RATE_LIMITED', 'Too many requests with this API key: slow down.', {
        retryAfterSeconds: Math.max(1, Math.ceil((counter.resetAt - now) / 1000)),
      });
    }
  }

  async create(principal: UserPrincipal, input: CreateApiKeyDto): Promise<{ key: ApiKeyDto; secret: string }> {
    const proof = await this.reauth.assert(principal, { password: input.password, code: input.code }, { requireProof: true });
    const now = this.clock.now();
    const expiresAt = this.expiryOf(input, now);
    const binding = input.accountId ? await this.binding(principal.userId, input.accountId.toLowerCase(), input.roleCap) : undefined;
    if (!binding && input.roleCap) {
      throw coreError('VALIDATION_FAILED', 'A role cap needs an account: set accountId too.', {
        errors: [{ field: 'roleCap', message: 'applies only to a key bound to an account (accountId)' }],
      });
    }
    const user = await this.users.findById(principal.userId);
    if (!user) {
      throw coreError('NOT_FOUND', 'No such user.');
    }
    const secret = randomToken(32, API_KEY_PREFIX);
    const scopes = scopesOf(input.scopes);
    const name = input.name.trim();
    const key = await this.dataSource.transaction(async (m) => {
      // Serialises a user's concurrent creations so the per-user limit holds.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`api-keys:${principal.userId}`]);
      if ((await this.keys.countActive(principal.userId, now, m)) >= API_KEYS_PER_USER) {
        throw apiKeysError('API_KEY_LIMIT_REACHED', `You already have ${API_KEYS_PER_USER} active API keys: revoke one first.`);
      }
      await proof.spend(m);
      const created = await this.keys.insert(
        {
          userId: principal.userId,
          accountId: binding?.accountId ?? null,
          roleCap: binding?.roleCap ?? null,
          name,
          scopes,
          secretHash: hashToken(secret),
          prefix: secret.slice(0, API_KEY_DISPLAY_LENGTH),
          createdAt: now,
          expiresAt,
          lastUsedAt: null,
          lastUsedIp: null,
          revokedAt: null,
          revokedBy: null,
        },
        m,
      );
      await this.audit.record(
        {
          action: ApiKeysAuditAction.Created,
          actorUserId: principal.userId,
          subjectUserId: principal.userId,
          accountId: created.accountId,
          metadata: {
            keyId: created.id,
            name,
            prefix: created.prefix,
            scopes,
            roleCap: created.roleCap,
            expiresAt: expiresAt?.toISOString() ?? null,
          },
        },
        m,
      );
      await this.notifications.notify(
        {
          event: 'security.api_key_created',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: {
            keyName: name,
            prefix: created.prefix,
            scopes: scopes.join(', '),
            account: binding?.accountName ?? 'all your accounts',
            expires: expiresAt ? expiresAt.toUTCString() : 'never',
            when: now.toUTCString(),
          },
        },
        m,
      );
      return created;
    });
    return { key: this.toDto(key, new Map(binding ? [[binding.accountId, binding.accountName]] : []), now), secret };
  }

  private expiryOf(input: CreateApiKeyDto, now: Date): Date | null {
    if (input.neverExpires) {
      if (input.expiresInDays !== undefined) {
        throw coreError('VALIDATION_FAILED', 'Choose either an expiry or a key that never expires.', {
          errors: [{ field: 'neverExpires', message: 'cannot be combined with expiresInDays' }],
        });
      }
      if (!this.config.apiKeys.allowNoExpiry) {
        throw coreError('VALIDATION_FAILED', 'This deployment does not allow API keys that never expire.', {
          errors: [{ field: 'neverExpires', message: 'is not allowed here: choose an expiry of at most 365 days' }],
        });
      }
      return null;
    }
    return new Date(now.getTime() + (input.expiresInDays ?? API_KEY_DEFAULT_DAYS) * DAY_MS);
  }

  /** The account the key is bound to: one the user belongs to, with a cap no higher than their role. */
  private async binding(userId: string, accountId: string, roleCap: AccountRole | undefined) {
    const [account, membership] = await Promise.all([
      this.accounts.findAccount(accountId),
      this.accounts.findMembership(accountId, userId),
    ]);
    if (!account || !membership) {
      throw coreError('VALIDATION_FAILED', 'You can bind a key only to an account you belong to.', {
        errors: [{ field: 'accountId', message: 'is not an account you belong to' }],
      });
    }
    const cap = roleCap ?? membership.role;
    if (!hasAtLeast(membership.role, cap)) {
      throw coreError('VALIDATION_FAILED', `The role cap cannot be higher than your role in this account (${membership.role}).`, {
        errors: [{ field: 'roleCap', message: `is higher than your role (${membership.role})` }],
      });
    }
    return { accountId, accountName: account.name, roleCap: cap };
  }

  async listMine(userId: string): Promise<ApiKeyDto[]> {
    const now = this.clock.now();
    const rows = await this.keys.listForUser(userId, new Date(now.getTime() - LIST_HISTORY_MS));
    const names = await this.accountNames(rows);
    return rows.map((k) => this.toDto(k, names, now));
  }

  async listForAccount(accountId: string, accountName: string): Promise<ApiKeyDto[]> {
    const now = this.clock.now();
    const rows = await this.keys.listForAccount(accountId, new Date(now.getTime() - LIST_HISTORY_MS));
    const users = await this.users.findRefs(rows.map((r) => r.userId));
    const names = new Map([[accountId, accountName]]);
    return rows.map((k) => ({ ...this.toDto(k, names, now), userEmail: users.get(k.userId)?.email ?? null }));
  }

  async revokeMine(principal: UserPrincipal, id: string): Promise<void> {
    await this.revoke({ userId: principal.userId }, id, principal.userId);
  }

  /** An owner revokes a key acting on their account (anyone's); the key's user is the audit subject. */
  async revokeForAccount(principal: UserPrincipal, accountId: string, id: string): Promise<void> {
    await this.revoke({ accountId }, id, principal.userId);
  }

  private async revoke(scope: { userId: string } | { accountId: string }, id: string, actorUserId: string): Promise<void> {
    let heard: Promise<void> | undefined;
    let owner: string | undefined;
    await this.dataSource.transaction(async (m) => {
      const key = await this.keys.revoke(scope, id, this.clock.now(), actorUserId, m);
      if (!key) {
        throw apiKeysError('API_KEY_NOT_FOUND', 'No such API key, or it is already revoked.');
      }
      // Answer only once every instance has dropped the key (the trigger announces it at commit).
      owner = key.userId;
      this.cache.forget(key.userId);
      heard = this.feed.heard(key.userId);
      await this.audit.record(
        {
          action: ApiKeysAuditAction.Revoked,
          actorUserId,
          subjectUserId: key.userId,
          accountId: key.accountId,
          metadata: { keyId: key.id, name: key.name, prefix: key.prefix },
        },
        m,
      );
    });
    // Anything read while the revocation was in flight is not kept.
    this.cache.forget(owner!);
    await heard;
  }

  async revokeAllOf(userId: string, reason: string, m: EntityManager): Promise<number> {
    const ids = await this.keys.revokeAllOf(userId, this.clock.now(), m);
    this.cache.forget(userId);
    if (ids.length > 0) {
      await this.audit.record(
        {
          action: ApiKeysAuditAction.AllRevoked,
          actorKind: 'system',
          subjectUserId: userId,
          metadata: { keyIds: ids, count: ids.length, reason },
        },
        m,
      );
    }
    return ids.length;
  }

  /** For support's user lookup: how many keys the user holds (never the keys themselves). */
  countForUser(userId: string): Promise<{ active: number; total: number }> {
    return this.keys.countForUser(userId, this.clock.now());
  }

  private async accountNames(rows: ApiKey[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.map((r) => r.accountId).filter((id): id is string => id !== null))];
    const accounts = await Promise.all(ids.map((id) => this.accounts.findAccount(id)));
    return new Map(accounts.filter((a) => a !== null).map((a) => [a.id, a.name]));
  }

  private toDto(k: ApiKey, accountNames: Map<string, string>, now: Date): ApiKeyDto {
    const status = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= now ? 'expired' : 'active';
    return {
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      accountId: k.accountId,
      accountName: k.accountId ? (accountNames.get(k.accountId) ?? null) : null,
      roleCap: k.roleCap,
      userId: k.userId,
      createdAt: k.createdAt.toISOString(),
      expiresAt: k.expiresAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      lastUsedIp: k.lastUsedIp,
      revokedAt: k.revokedAt?.toISOString() ?? null,
      status,
    };
  }
}
