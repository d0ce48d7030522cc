import { SqlStatement } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Not } from 'typeorm';

import { FactorKind, MfaFactor } from './entities/mfa-factor.entity';
import { returning } from './sql';

@Injectable()
export class FactorsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private r(m?: EntityManager) {
    return (m ?? this.dataSource.manager).getRepository(MfaFactor);
  }

  find(userId: string, kind: FactorKind, m?: EntityManager): Promise<MfaFactor | null> {
    return this.r(m).findOne({ where: { userId, kind } });
  }

  findConfirmed(userId: string, m?: EntityManager): Promise<MfaFactor[]> {
    return this.r(m).find({ where: { userId, confirmedAt: Not(IsNull()) } });
  }

  /** Starts (or restarts) a pending enrolment; never touches a confirmed factor. */
  async upsertPending(
    userId: string,
    kind: FactorKind,
    values: { secretSealed?: string; phone?: string },
    now: Date,
    m?: EntityManager,
  ): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m ?? this.dataSource,
      `INSERT INTO mfa_factors (user_id, kind, secret_sealed, phone, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (user_id, kind) WHERE kind <> 'passkey' DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed, phone = EXCLUDED.phone,
              last_used_step = NULL, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
        WHERE mfa_factors.confirmed_at IS NULL
       RETURNING id`,
      [userId, kind, values.secretSealed ?? null, values.phone ?? null, now],
    );
    return rows.length === 1;
  }

  async confirm(id: string, now: Date, lastUsedStep: number | null, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m,
      `UPDATE mfa_factors SET confirmed_at = $2, updated_at = $2, last_used_step = $3 WHERE id = $1 AND confirmed_at IS NULL RETURNING id`,
      [id, now, lastUsedStep],
    );
    return rows.length === 1;
  }

  /**
   * A TOTP code is good once: the step must be newer than the last one accepted. The check and
   * the write are one statement, so two requests racing with the same code cannot both win.
   */
  async claimTotpStep(id: string, step: number, now: Date, m?: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m ?? this.dataSource,
      `UPDATE mfa_factors SET last_used_step = $2, updated_at = $3
        WHERE id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2) RETURNING id`,
      [id, step, now],
    );
    return rows.length === 1;
  }

  /** `claimTotpStep` as a statement, for a sign-in's single write. */
  claimTotpStepStatement(id: string, step: number, now: Date): SqlStatement {
    return {
      sql: `UPDATE mfa_factors SET last_used_step = $2, updated_at = $3
             WHERE id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2) RETURNING id`,
      params: [id, step, now],
    };
  }

  async remove(userId: string, kind: FactorKind, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(m, `DELETE FROM mfa_factors WHERE user_id = $1 AND kind = $2 RETURNING id`, [
      userId,
      kind,
    ]);
    return rows.length === 1;
  }

  async removeAll(userId: string, m: EntityManager): Promise<number> {
    const rows = await returning<{ id: string }>(m, `DELETE FROM mfa_factors WHERE user_id = $1 RETURNING id`, [userId]);
    return rows.length;
  }
}
