import { Clock, SqlFacts, SqlStatement } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { MfaChallenge } from '../entities/mfa-challenge.entity';
import { FactorKind, MfaFactor } from '../entities/mfa-factor.entity';
import { MFA_OPTIONS, MfaOptions } from '../mfa.constants';
import { mfaError } from '../mfa.exception';
import { returning } from '../sql';

export const challengeGone = () =>
  mfaError('MFA_CHALLENGE_INVALID', 'This sign-in attempt expired or ran out of tries. Sign in again with your password.', {
    errors: [{ field: 'challengeId', message: 'is expired, used or unknown' }],
  });

/** The pending second step of a sign-in: 5 minutes, 5 attempts, finished once. */
@Injectable()
export class ChallengesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
  ) {}

  async create(userId: string): Promise<MfaChallenge> {
    const now = this.clock.now();
    const repo = this.dataSource.getRepository(MfaChallenge);
    const row = {
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.challengeTtlMs),
      attempts: 0,
      completedAt: null,
    };
    const result = await repo.insert(row);
    return { ...row, id: (result.identifiers[0] as { id: string }).id };
  }

  /** A live challenge, without spending an attempt (sending an SMS code). */
  async live(id: string): Promise<MfaChallenge> {
    const c = await this.dataSource.getRepository(MfaChallenge).findOne({ where: { id } });
    if (!c || c.completedAt || c.expiresAt.getTime() <= this.clock.nowMs() || c.attempts >= this.options.challengeMaxAttempts) {
      throw challengeGone();
    }
    return c;
  }

  /**
   * Spends one attempt atomically; throws when the challenge is expired, finished or out of
   * attempts. Answers the user with their confirmed factors of the `preload` kind, read in the
   * same statement: the second step then needs no further read of its own.
   */
  /**
   * Counts an attempt on the open challenge (CHALLENGE_INVALID when it is finished, expired or
   * out of tries) and answers its user with that user's confirmed factors of the `preload` kind.
   * `alsoAsk` may ask more facts about the challenge's user (named by the column it is given),
   * read in the same statement: a second step's new-device check.
   */
  async spendAttempt(
    id: string,
    preload: FactorKind | null,
    alsoAsk?: (facts: SqlFacts, userColumn: string) => void,
  ): Promise<{ userId: string; factors: MfaFactor[] }> {
    const facts = new SqlFacts();
    alsoAsk?.(facts, 'c.user_id');
    const params = [id, this.clock.now(), this.options.challengeMaxAttempts, preload];
    const more = facts.columns(params.length);
    const rows: Array<Record<string, unknown> & { user_id: string; factors: Array<Record<string, unknown>> | string | null }> =
      await this.dataSource.query(
        `WITH c AS (
           UPDATE mfa_challenges SET attempts = attempts + 1
            WHERE id = $1 AND completed_at IS NULL AND expires_at > $2 AND attempts < $3 RETURNING user_id)
         SELECT c.user_id, (SELECT json_agg(f ORDER BY f.created_at, f.id) FROM mfa_factors f
                             WHERE f.user_id = c.user_id AND f.kind = $4 AND f.confirmed_at IS NOT NULL) AS factors${more.sql ? `,\n ${more.sql}` : ''}
           FROM c`,
        [...params, ...more.params],
      );
    if (!rows[0]) {
      throw challengeGone();
    }
    facts.answer(rows[0]);
    const raw = rows[0].factors;
    const list = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? [])) as Array<Record<string, unknown>>;
    const factors = list.map(
      (f) =>
        ({
          id: f.id,
          userId: f.user_id,
          kind: f.kind,
          name: f.name,
          secretSealed: f.secret_sealed,
          phone: f.phone,
          confirmedAt: f.confirmed_at ? new Date(f.confirmed_at as string) : null,
          lastUsedStep: f.last_used_step === null || f.last_used_step === undefined ? null : String(f.last_used_step),
        }) as MfaFactor,
    );
    return { userId: rows[0].user_id, factors };
  }

  /** `complete` as one compare-and-swap statement, for a sign-in's single write. */
  completeStatement(id: string): SqlStatement {
    return {
      sql: `UPDATE mfa_challenges SET completed_at = $2 WHERE id = $1 AND completed_at IS NULL RETURNING id`,
      params: [id, this.clock.now()],
    };
  }

  /** Whether a challenge could still be finished (after a refused finish: gone, or a wrong code). */
  async isOpen(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM mfa_challenges WHERE id = $1 AND completed_at IS NULL AND expires_at > $2`,
      [id, this.clock.now()],
    );
    return rows.length > 0;
  }

  async complete(id: string, m?: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m ?? this.dataSource,
      `UPDATE mfa_challenges SET completed_at = $2 WHERE id = $1 AND completed_at IS NULL RETURNING id`,
      [id, this.clock.now()],
    );
    return rows.length === 1;
  }
}
