import { Clock, hashToken, randomToken } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';

import { TokenPurpose, UserToken } from './user-token.entity';

/**
 * Emailed single-use tokens. Issuing one voids the user's earlier unused tokens of the same
 * purpose; consuming is one conditional UPDATE, so a token works once even under a race.
 */
@Injectable()
export class UserTokensService {
  constructor(
    @InjectRepository(UserToken) private readonly repo: Repository<UserToken>,
    private readonly clock: Clock,
  ) {}

  async issue(
    userId: string,
    purpose: TokenPurpose,
    ttlMs: number,
    data: Record<string, unknown> = {},
    manager?: EntityManager,
  ): Promise<string> {
    const repo = manager ? manager.getRepository(UserToken) : this.repo;
    const now = this.clock.now();
    await this.voidAll(userId, purpose, manager);
    const token = randomToken(32);
    await repo.insert({
      userId,
      purpose,
      tokenHash: hashToken(token),
      data: data as UserToken['data'],
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    return token;
  }

  async voidAll(userId: string, purpose: TokenPurpose, manager?: EntityManager): Promise<void> {
    const repo = manager ? manager.getRepository(UserToken) : this.repo;
    await repo.update({ userId, purpose, usedAt: IsNull() }, { usedAt: this.clock.now() });
  }

  /** Marks the token used and returns it, or undefined if unknown, used, expired or of another purpose. */
  async consume(purpose: TokenPurpose, token: string, manager?: EntityManager): Promise<UserToken | undefined> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) {
      return undefined;
    }
    const repo = manager ? manager.getRepository(UserToken) : this.repo;
    const now = this.clock.now();
    const result = await repo
      .createQueryBuilder()
      .update(UserToken)
      .set({ usedAt: now })
      .where('token_hash = :hash AND purpose = :purpose AND used_at IS NULL AND expires_at > :now', {
        hash: hashToken(token),
        purpose,
        now,
      })
      .returning(['id', 'userId', 'purpose', 'data', 'expiresAt'])
      .execute();
    const raw = (result.raw as Array<Record<string, unknown>>)[0];
    if (!raw) {
      return undefined;
    }
    return Object.assign(new UserToken(), {
      id: raw.id,
      userId: (raw.userId ?? raw.user_id) as string,
      purpose,
      data: (raw.data ?? {}) as Record<string, unknown>,
    });
  }

  /** The newest live token of a purpose (at most one is live: issuing voids the others). */
  async findLive(userId: string, purpose: TokenPurpose, manager?: EntityManager): Promise<UserToken | undefined> {
    const row = await (manager ? manager.getRepository(UserToken) : this.repo)
      .createQueryBuilder('t')
      .where('t.user_id = :userId AND t.purpose = :purpose AND t.used_at IS NULL AND t.expires_at > :now', {
        userId,
        purpose,
        now: this.clock.now(),
      })
      .orderBy('t.created_at', 'DESC')
      .getOne();
    return row ?? undefined;
  }

  /** Peeks without consuming (to ask for a 2FA code before spending the reset link). */
  async find(purpose: TokenPurpose, token: string): Promise<UserToken | undefined> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) {
      return undefined;
    }
    const row = await this.repo
      .createQueryBuilder('t')
      .where('t.token_hash = :hash AND t.purpose = :purpose AND t.used_at IS NULL AND t.expires_at > :now', {
        hash: hashToken(token),
        purpose,
        now: this.clock.now(),
      })
      .getOne();
    return row ?? undefined;
  }
}
