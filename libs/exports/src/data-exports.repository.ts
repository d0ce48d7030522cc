import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { DataExportState } from './exports.constants';

export interface DataExportRow {
  id: string;
  userId: string | null;
  state: DataExportState;
  progress: number;
  stage: string | null;
  generation: number;
  attempts: number;
  leaseUntil: Date | null;
  storageKey: string | null;
  sizeBytes: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  expiresAt: Date | null;
}

const COLUMNS = `id, user_id, state, progress, stage, generation, attempts, lease_until, storage_key, size_bytes,
  created_at, started_at, finished_at, expires_at`;

function date(v: unknown): Date | null {
  return v === null || v === undefined ? null : new Date(v as string);
}

function toRow(r: Record<string, unknown>): DataExportRow {
  return {
    id: r.id as string,
    userId: (r.user_id as string | null) ?? null,
    state: r.state as DataExportState,
    progress: Number(r.progress),
    stage: (r.stage as string | null) ?? null,
    generation: Number(r.generation),
    attempts: Number(r.attempts),
    leaseUntil: date(r.lease_until),
    storageKey: (r.storage_key as string | null) ?? null,
    sizeBytes: r.size_bytes === null || r.size_bytes === undefined ? null : Number(r.size_bytes),
    createdAt: date(r.created_at)!,
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    expiresAt: date(r.expires_at),
  };
}

/** UPDATE ... RETURNING answers [rows, count] through TypeORM's postgres driver. */
function returned(r: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as Array<Record<string, unknown>>;
}

/** The data_exports table. Every change of a run is conditional on its generation: a superseded run changes nothing. */
@Injectable()
export class DataExportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serializes the exports of one user (the 24-hour rule) for the rest of the transaction. */
  async lockUser(userId: string, m: EntityManager): Promise<void> {
    // An advisory lock on the user id, not a row lock on users (a table this lib does not own).
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('data-export:' || $1::text))`, [userId]);
  }

  /** Exports of the user created since `since` that count against the limit (failed ones do not), oldest first. */
  async countedSince(userId: string, since: Date, m: EntityManager): Promise<Date[]> {
    const rows: Array<{ created_at: string | Date }> = await m.query(
      `SELECT created_at FROM data_exports WHERE user_id = $1 AND created_at > $2 AND state <> 'failed' ORDER BY created_at`,
      [userId, since],
    );
    return rows.map((r) => new Date(r.created_at));
  }

  async insert(userId: string, now: Date, queueLeaseUntil: Date, m: EntityManager): Promise<DataExportRow> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `INSERT INTO data_exports (user_id, state, created_at, lease_until) VALUES ($1, 'queued', $2, $3) RETURNING ${COLUMNS}`,
      [userId, now, queueLeaseUntil],
    );
    return toRow(rows[0]);
  }

  async findForUser(userId: string, id: string): Promise<DataExportRow | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM data_exports WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async listForUser(userId: string, limit: number): Promise<DataExportRow[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM data_exports WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map(toRow);
  }

  /** Starts one run: only the generation the job was queued for, and only while queued. */
  async claim(id: string, generation: number, now: Date, leaseUntil: Date): Promise<DataExportRow | null> {
    const r = await this.dataSource.query(
      `UPDATE data_exports SET state = 'running', attempts = attempts + 1, lease_until = $4, started_at = COALESCE(started_at, $3)
        WHERE id = $1 AND generation = $2 AND state = 'queued' AND user_id IS NOT NULL
        RETURNING ${COLUMNS}`,
      [id, generation, now, leaseUntil],
    );
    const rows = returned(r);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Renews the lease and records progress (never backwards); false once this run was superseded. */
  async heartbeat(id: string, generation: number, leaseUntil: Date, progress?: number, stage?: string): Promise<boolean> {
    const r = await this.dataSource.query(
      `UPDATE data_exports SET lease_until = $3,
              progress = GREATEST(progress, COALESCE($4::int, progress)), stage = COALESCE($5::text, stage)
        WHERE id = $1 AND generation = $2 AND state = 'running' RETURNING id`,
      [id, generation, leaseUntil, progress ?? null, stage ?? null],
    );
    return returned(r).length > 0;
  }

  /** Marks the run's file ready; undefined when the run was superseded meanwhile. */
  async markReady(
    id: string,
    generation: number,
    file: { key: string; size: number },
    now: Date,
    expiresAt: Date,
    m: EntityManager,
  ): Promise<{ userId: string } | undefined> {
    const r = await m.query(
      `UPDATE data_exports SET state = 'ready', progress = 100, stage = NULL, storage_key = $3, size_bytes = $4,
              finished_at = $5, expires_at = $6, lease_until = NULL, error = NULL
        WHERE id = $1 AND generation = $2 AND state = 'running' AND user_id IS NOT NULL
        RETURNING user_id`,
      [id, generation, file.key, file.size, now, expiresAt],
    );
    const row = returned(r)[0];
    return row ? { userId: row.user_id as string } : undefined;
  }

  /** After a failed run: queued again once `retryAt` passed (the sweep re-queues it), or failed for good. */
  async releaseAfterError(id: string, generation: number, error: string, retryAt: Date | null, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE data_exports SET state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'queued' END,
              lease_until = $4, error = $3, finished_at = CASE WHEN $4::timestamptz IS NULL THEN $5::timestamptz ELSE NULL END
        WHERE id = $1 AND generation = $2 AND state = 'running'`,
      [id, generation, error.slice(0, 1000), retryAt, now],
    );
  }

  /** A worker stopping hands its run back: due at once for any worker's sweep, and not counted as an attempt. */
  async handBack(id: string, generation: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE data_exports SET state = 'queued', lease_until = NULL, attempts = GREATEST(attempts - 1, 0)
        WHERE id = $1 AND generation = $2 AND state = 'running'`,
      [id, generation],
    );
  }

  /**
   * Exports whose job is presumed lost (queued past its lease) or whose run died (running past its
   * lease) and may run again: queued under a new generation, so a late job of an old one finds
   * nothing to claim. Answers the generations to enqueue.
   */
  async requeueDue(now: Date, queueLeaseUntil: Date, maxAttempts: number): Promise<Array<{ id: string; generation: number }>> {
    const r = await this.dataSource.query(
      `UPDATE data_exports d SET state = 'queued', generation = d.generation + 1, lease_until = $2
        WHERE d.id IN (
          SELECT id FROM data_exports
           WHERE state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $1) AND attempts < $3 AND user_id IS NOT NULL
           ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.generation`,
      [now, queueLeaseUntil, maxAttempts],
    );
    return returned(r).map((row) => ({ id: row.id as string, generation: Number(row.generation) }));
  }

  /** Runs that died on their last attempt: failed for good. Answers their ids (to remove partial files). */
  async failExhausted(now: Date, maxAttempts: number): Promise<Array<{ id: string; generation: number }>> {
    const r = await this.dataSource.query(
      `UPDATE data_exports SET state = 'failed', lease_until = NULL, finished_at = $1,
              error = COALESCE(error, 'the export stopped ' || attempts || ' times')
        WHERE state = 'running' AND lease_until < $1 AND attempts >= $2
        RETURNING id, generation`,
      [now, maxAttempts],
    );
    return returned(r).map((row) => ({ id: row.id as string, generation: Number(row.generation) }));
  }

  /** Ready files past their retention. */
  async expiredFiles(now: Date, limit = 100): Promise<Array<{ id: string; storageKey: string | null }>> {
    const rows: Array<{ id: string; storage_key: string | null }> = await this.dataSource.query(
      `SELECT id, storage_key FROM data_exports WHERE state = 'ready' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ id: r.id, storageKey: r.storage_key }));
  }

  async markExpired(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE data_exports SET state = 'expired', storage_key = NULL WHERE id = $1 AND state = 'ready'`, [id]);
  }

  /** Exports whose user was deleted: nothing may stay behind. */
  async orphans(limit = 100): Promise<Array<{ id: string; storageKey: string | null; generation: number }>> {
    const rows: Array<{ id: string; storage_key: string | null; generation: number }> = await this.dataSource.query(
      `SELECT id, storage_key, generation FROM data_exports WHERE user_id IS NULL LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, storageKey: r.storage_key, generation: Number(r.generation) }));
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM data_exports WHERE id = $1`, [id]);
  }
}
