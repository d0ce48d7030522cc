import { AuditService } from '@latchkey/audit';
import {
  APP_CONFIG,
  AppConfig,
  Clock,
  Page,
  RateLimitStore,
  SERVICE_TOKEN_PREFIX,
  ServiceCredentialVerifier,
  ServicePrincipal,
  coreError,
  constantTimeEqual,
  decodeCursor,
  hashToken,
  isUniqueViolation,
  randomToken,
  returningRows,
  toPage,
} from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { ServiceCredential } from './service-credential.entity';
import { ServiceAccessAuditAction } from './service-access.constants';
import { serviceAccessError } from './service-access.exception';
import { ALL_SERVICE_SCOPES, ServiceScope, isServiceScope } from './service-scopes';

export const SECRET_PREFIX = SERVICE_TOKEN_PREFIX;
export const BOOTSTRAP_NAME = 'SERVICE_TOKEN';
/** Wrong service tokens per IP per window before the IP is refused without a check. */
export const SERVICE_AUTH_FAILURES_PER_IP = 20;
const FAILURE_WINDOW_MS = 15 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;

export interface IssuedCredential {
  credential: ServiceCredential;
  secret: string;
}

/**
 * Service credentials of the host application: several, named, scoped, hashed at rest, rotatable
 * with the previous secret valid for a grace period. SERVICE_TOKEN stays as the bootstrap (every
 * scope) to create the first ones.
 */
@Injectable()
export class ServiceCredentialsService extends ServiceCredentialVerifier {
  constructor(
    @InjectRepository(ServiceCredential) private readonly repo: Repository<ServiceCredential>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly rateLimits: RateLimitStore,
    private readonly audit: AuditService,
  ) {
    super();
  }

  /**
   * Checks `Authorization: Bearer <secret>`. A network that sent too many wrong tokens is refused
   * (429) before any check; every wrong token counts.
   */
  async authenticate(authorization: string | undefined, ip: string | undefined): Promise<ServicePrincipal> {
    const failureKey = `service-auth:fail:${ip ?? 'unknown'}`;
    const now = this.clock.nowMs();
    const failures = await this.rateLimits.peek(failureKey, now);
    if (failures && failures.count >= SERVICE_AUTH_FAILURES_PER_IP) {
      throw coreError('RATE_LIMITED', 'Too many wrong service tokens from this network: try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((failures.resetAt - now) / 1000)),
      });
    }
    const secret = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const bootstrap = this.config.serviceToken;
    if (secret !== undefined) {
      if (bootstrap && constantTimeEqual(secret, bootstrap)) {
        return { kind: 'service', via: 'bearer', credentialId: null, name: BOOTSTRAP_NAME, scopes: [...ALL_SERVICE_SCOPES] };
      }
      if (secret.startsWith(SECRET_PREFIX) && secret.length <= 100) {
        const found = await this.findBySecret(secret);
        if (found) {
          return found;
        }
      }
    }
    if (!bootstrap && !(await this.anyActive())) {
      throw serviceAccessError(
        'HOST_EVENTS_DISABLED',
        'The service API is turned off: no SERVICE_TOKEN is set and no service credential exists.',
      );
    }
    await this.rateLimits.hit(failureKey, FAILURE_WINDOW_MS, now);
    throw serviceAccessError('SERVICE_TOKEN_INVALID', 'A valid service token is required.');
  }

  async list(query: { limit?: number; cursor?: string }): Promise<Page<ServiceCredential>> {
    const limit = query.limit ?? 20;
    const after = decodeCursor(query.cursor);
    const rows = await this.repo
      .createQueryBuilder('c')
      .where(after ? '(c.created_at, c.id) < (:at, :id)' : 'TRUE', after ? { at: after.at, id: after.id } : {})
      .orderBy('c.created_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(
      rows,
      limit,
      (r) => r.createdAt,
      (r) => r,
    );
  }

  async get(id: string): Promise<ServiceCredential> {
    const found = await this.repo.findOneBy({ id });
    if (!found) {
      throw serviceAccessError('SERVICE_CREDENTIAL_NOT_FOUND', 'No such service credential.');
    }
    return found;
  }

  async create(caller: ServicePrincipal, input: { name: string; scopes: string[] }): Promise<IssuedCredential> {
    const scopes = this.grantable(caller, input.scopes);
    const name = input.name.trim();
    const secret = randomToken(32, SECRET_PREFIX);
    const now = this.clock.now();
    try {
      return await this.repo.manager.transaction(async (m) => {
        const repo = m.getRepository(ServiceCredential);
        const credential = await repo.save(
          repo.create({
            name,
            scopes,
            secretHash: hashToken(secret),
            secretHint: secret.slice(0, SECRET_PREFIX.length + 4),
            previousSecretHash: null,
            previousExpiresAt: null,
            createdAt: now,
            createdBy: caller.name,
            rotatedAt: null,
            lastUsedAt: null,
            revokedAt: null,
          }),
        );
        await this.audit.record(
          {
            action: ServiceAccessAuditAction.CredentialCreated,
            actorKind: 'service',
            metadata: { credentialId: credential.id, name, scopes, by: caller.name },
          },
          m,
        );
        return { credential, secret };
      });
    } catch (err) {
      if (isUniqueViolation(err, 'service_credentials_active_name')) {
        throw serviceAccessError('SERVICE_CREDENTIAL_NAME_TAKEN', 'An active service credential already has this name.', {
          errors: [{ field: 'name', message: 'is taken by an active credential' }],
        });
      }
      throw err;
    }
  }

  /** A new secret; the one it replaces keeps working for `previousValidForMinutes` (0 = at once). */
  async rotate(caller: ServicePrincipal, id: string, previousValidForMinutes: number): Promise<IssuedCredential> {
    const secret = randomToken(32, SECRET_PREFIX);
    const now = this.clock.now();
    return this.repo.manager.transaction(async (m) => {
      const repo = m.getRepository(ServiceCredential);
      const credential = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!credential || credential.revokedAt) {
        throw serviceAccessError('SERVICE_CREDENTIAL_NOT_FOUND', 'No such service credential.');
      }
      credential.previousSecretHash = previousValidForMinutes > 0 ? credential.secretHash : null;
      credential.previousExpiresAt = previousValidForMinutes > 0 ? new Date(now.getTime() + previousValidForMinutes * 60_000) : null;
      credential.secretHash = hashToken(secret);
      credential.secretHint = secret.slice(0, SECRET_PREFIX.length + 4);
      credential.rotatedAt = now;
      await repo.save(credential);
      await this.audit.record(
        {
          action: ServiceAccessAuditAction.CredentialRotated,
          actorKind: 'service',
          metadata: {
            credentialId: id,
            name: credential.name,
            previousValidUntil: credential.previousExpiresAt?.toISOString() ?? null,
            by: caller.name,
          },
        },
        m,
      );
      return { credential, secret };
    });
  }

  async revoke(caller: ServicePrincipal, id: string): Promise<void> {
    await this.repo.manager.transaction(async (m) => {
      const [row] = await returningRows<{ name: string }>(
        m,
        `UPDATE service_credentials SET revoked_at = $2, previous_secret_hash = NULL, previous_expires_at = NULL
          WHERE id = $1 AND revoked_at IS NULL RETURNING name`,
        [id, this.clock.now()],
      );
      const name = row?.name;
      if (!name) {
        throw serviceAccessError('SERVICE_CREDENTIAL_NOT_FOUND', 'No such service credential.');
      }
      await this.audit.record(
        { action: ServiceAccessAuditAction.CredentialRevoked, actorKind: 'service', metadata: { credentialId: id, name, by: caller.name } },
        m,
      );
    });
  }

  /** A credential can hand out only scopes its creator holds. */
  private grantable(caller: ServicePrincipal, requested: string[]): ServiceScope[] {
    const unknown = requested.filter((s) => !isServiceScope(s));
    if (unknown.length > 0) {
      throw coreError('VALIDATION_FAILED', `Unknown scope(s): ${unknown.join(', ')}.`, {
        errors: [{ field: 'scopes', message: `unknown scope(s): ${unknown.join(', ')}` }],
      });
    }
    const missing = requested.filter((s) => !caller.scopes.includes(s as ServiceScope));
    if (missing.length > 0) {
      throw serviceAccessError('SERVICE_SCOPE_MISSING', `This credential cannot grant scope(s) it does not hold: ${missing.join(', ')}.`, {
        errors: [{ field: 'scopes', message: `not held by the caller: ${missing.join(', ')}` }],
      });
    }
    return [...new Set(requested)] as ServiceScope[];
  }

  private async findBySecret(secret: string): Promise<ServicePrincipal | undefined> {
    const hash = hashToken(secret);
    const now = this.clock.now();
    const found = await this.repo
      .createQueryBuilder('c')
      .where('c.revoked_at IS NULL')
      .andWhere('(c.secret_hash = :hash OR (c.previous_secret_hash = :hash AND c.previous_expires_at > :now))', { hash, now })
      .getOne();
    if (!found) {
      return undefined;
    }
    if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      await this.repo.update({ id: found.id }, { lastUsedAt: now });
    }
    return { kind: 'service', via: 'bearer', credentialId: found.id, name: found.name, scopes: found.scopes.filter(isServiceScope) };
  }

  private async anyActive(): Promise<boolean> {
    return (await this.repo.query(`SELECT 1 FROM service_credentials WHERE revoked_at IS NULL LIMIT 1`)).length > 0;
  }
}
