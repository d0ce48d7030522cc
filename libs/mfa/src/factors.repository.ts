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

  /** The user's one factor of a kind, pending or confirmed (SMS: one phone per user). */
  find(userId: string, kind: FactorKind, m?: EntityManager): Promise<MfaFactor | null> {
    return this.r(m).findOne({ where: { userId, kind }, order: { createdAt: 'ASC' } });
  }

  /** The user's pending enrolment of a kind (at most one: mfa_factors_pending_uq). */
  findPending(userId: string, kind: FactorKind, m?: EntityManager): Promise<MfaFactor | null> {
    return this.r(m).findOne({ where: { userId, kind, confirmedAt: IsNull() } });
  }

  findConfirmed(userId: string, m?: EntityManager): Promise<MfaFactor[]> {
    return this.r(m).find({ where: { userId, confirmedAt: Not(IsNull()) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** "Has the user a confirmed factor?" as a SqlFacts fact (a boolean), for the sign-in's one read. */
  confirmedFact(userId: string): SqlStatement {
    return { sql: `SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)`, params: [userId] };
  }

  findConfirmedOfKind(userId: string, kind: FactorKind, m?: EntityManager): Promise<MfaFactor[]> {
    return this.r(m).find({ where: { userId, kind, confirmedAt: Not(IsNull()) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findById(userId: string, id: string, m?: EntityManager): Promise<MfaFactor | null> {
    return this.r(m).findOne({ where: { userId, id } });
  }

  /**
   * Starts (or restarts) the user's pending enrolment of a kind; never touches a confirmed factor.
   * False when the kind's own constraints refuse another row (a phone is one per user, pending or
   * confirmed: mfa_factors_sms_uq) or a concurrent start won: the caller answers 409.
   */
  async upsertPending(
    userId: string,
    kind: FactorKind,
    values: { secretSealed?: string; phone?: string; name?: string },
    now: Date,
    m: EntityManager,
  ): Promise<boolean> {
    await m.query(`DELETE FROM mfa_factors WHERE user_id = $1 AND kind = $2 AND confirmed_at IS NULL`, [userId, kind]);
    const rows = await returning<{ id: string }>(
      m,
      `INSERT INTO mfa_factors (user_id, kind, secret_sealed, phone, name, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [userId, kind, values.secretSealed ?? null, values.phone ?? null, values.name ?? null, now],
    );
    return rows.length === 1;
  }

  /** Whether another confirmed factor of the kind has this name (case-insensitively). */
  async nameTaken(userId: string, kind: FactorKind, name: string, exceptId: string | null, m?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (m ?? this.dataSource).query(
      `SELECT 1 FROM mfa_factors WHERE user_id = $1 AND kind = $2 AND confirmed_at IS NOT NULL AND lower(name) = lower($3)
          AND ($4::uuid IS NULL OR id <> $4::uuid) LIMIT 1`,
      [userId, kind, name, exceptId],
    );
    return rows.length > 0;
  }

  async rename(userId: string, id: string, name: string, now: Date, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m,
      `UPDATE mfa_factors SET name = $3, updated_at = $4 WHERE user_id = $1 AND id = $2 AND confirmed_at IS NOT NULL RETURNING id`,
      [userId, id, name, now],
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
      `UPDATE mfa_factors SET last_used_step = $2, last_used_at = $3, updated_at = $3
        WHERE id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2) RETURNING id`,
      [id, step, now],
    );
    return rows.length === 1;
  }

  /** `claimTotpStep` as a statement, for a sign-in's single write. */
  claimTotpStepStatement(id: string, step: number, now: Date): SqlStatement {
    return {
      sql: `UPDATE mfa_factors SET last_used_step = $2, last_used_at = $3, updated_at = $3
             WHERE id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2) RETURNING id`,
      params: [id, step, now],
    };
  }

  /** Removes every factor of a kind, pending or confirmed; how many went. */
  async remove(userId: string, kind: FactorKind, m: EntityManager): Promise<number> {
    const rows = await returning<{ id: string }>(m, `DELETE FROM mfa_factors WHERE user_id = $1 AND kind = $2 RETURNING id`, [
      userId,
      kind,
    ]);
    return rows.length;
  }

  /** Removes one confirmed factor of the user. */
  async removeById(userId: string, id: string, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m,
      `DELETE FROM mfa_factors WHERE user_id = $1 AND id = $2 AND confirmed_at IS NOT NULL RETURNING id`,
      [userId, id],
    );
    return rows.length === 1;
  }

  async removeAll(userId: string, m: EntityManager): Promise<number> {
    const rows = await returning<{ id: string }>(m, `DELETE FROM mfa_factors WHERE user_id = $1 RETURNING id`, [userId]);
    return rows.length;
  }
}
