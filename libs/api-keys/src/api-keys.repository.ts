import { returningRows } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { ApiKey } from './api-key.entity';

/** What the guard needs of a key, by its secret's hash: one indexed lookup. */
export interface KeyForAuth {
  id: string;
  user_id: string;
  account_id: string | null;
  role_cap: string | null;
  scopes: string[];
  secret_hash: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly repo: Repository<ApiKey>) {}

  private r(m?: EntityManager) {
    return m ? m.getRepository(ApiKey) : this.repo;
  }

  async findForSecretHash(hash: string): Promise<KeyForAuth | undefined> {
    const rows: KeyForAuth[] = await this.repo.query(
      `SELECT id, user_id, account_id, role_cap, scopes, secret_hash, expires_at, last_used_at, revoked_at
         FROM api_keys WHERE secret_hash = $1`,
      [hash],
    );
    return rows[0];
  }

  /** Records a use at most once per `everyMs` per key, however many requests race: the condition is in the UPDATE. */
  async touch(id: string, at: Date, ip: string | null, everyMs: number): Promise<void> {
    await this.repo.query(
      `UPDATE api_keys SET last_used_at = $2, last_used_ip = $3
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $4)`,
      [id, at, ip, new Date(at.getTime() - everyMs)],
    );
  }

  insert(values: Partial<ApiKey>, m: EntityManager): Promise<ApiKey> {
    return this.r(m).save(this.r(m).create(values));
  }

  countActive(userId: string, now: Date, m?: EntityManager): Promise<number> {
    return this.r(m)
      .createQueryBuilder('k')
      .where('k.user_id = :userId AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > :now)', { userId, now })
      .getCount();
  }

  /** The user's keys, newest first: active ones and those revoked or expired in the last 30 days. */
  listForUser(userId: string, since: Date): Promise<ApiKey[]> {
    return this.repo
      .createQueryBuilder('k')
      .where('k.user_id = :userId', { userId })
      .andWhere('(k.revoked_at IS NULL OR k.revoked_at > :since) AND (k.expires_at IS NULL OR k.expires_at > :since)', { since })
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(200)
      .getMany();
  }

  /** Keys acting on one account (bound to it), newest first, like listForUser. */
  listForAccount(accountId: string, since: Date): Promise<ApiKey[]> {
    return this.repo
      .createQueryBuilder('k')
      .where('k.account_id = :accountId', { accountId })
      .andWhere('(k.revoked_at IS NULL OR k.revoked_at > :since) AND (k.expires_at IS NULL OR k.expires_at > :since)', { since })
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(500)
      .getMany();
  }

  /** Revokes one active key of the user (or of the account); the row, or undefined when there is none. */
  async revoke(
    scope: { userId: string } | { accountId: string },
    id: string,
    at: Date,
    by: string,
    m: EntityManager,
  ): Promise<ApiKey | undefined> {
    const [column, value] = 'userId' in scope ? ['user_id', scope.userId] : ['account_id', scope.accountId];
    const [row] = await returningRows<{ id: string }>(
      m,
      `UPDATE api_keys SET revoked_at = $3, revoked_by = $4 WHERE id = $1 AND ${column} = $2 AND revoked_at IS NULL RETURNING id`,
      [id, value, at, by],
    );
    return row ? ((await this.r(m).findOneBy({ id: row.id })) ?? undefined) : undefined;
  }

  /** Revokes every active key of the user; their ids. */
  async revokeAllOf(userId: string, at: Date, m: EntityManager): Promise<string[]> {
    const rows = await returningRows<{ id: string }>(
      m,
      `UPDATE api_keys SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, at],
    );
    return rows.map((r) => r.id);
  }

  /** Active keys per user, for support's user lookup. */
  async countForUser(userId: string, now: Date): Promise<{ active: number; total: number }> {
    const [row] = await this.repo.query(
      `SELECT count(*) FILTER (WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2))::int AS active, count(*)::int AS total
         FROM api_keys WHERE user_id = $1`,
      [userId, now],
    );
    return { active: row.active, total: row.total };
  }
}
