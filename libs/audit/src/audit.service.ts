import { randomUUID } from 'node:crypto';

import { Clock, SqlBatch, requestContext } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { AuditEntry } from './audit-entry.entity';
import { AuditSink } from './audit-sink';

export interface AuditRecord {
  action: string;
  actorUserId?: string | null;
  actorKind?: AuditEntry['actorKind'];
  subjectUserId?: string | null;
  accountId?: string | null;
  metadata?: Record<string, unknown>;
}

/**
 * The narrow port every lib writes security events through. Pass the caller's transaction
 * manager so the entry commits (or rolls back) with the change it describes. IP, user agent
 * and request id come from the request context.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEntry) private readonly repo: Repository<AuditEntry>,
    private readonly clock: Clock,
    private readonly sink: AuditSink,
  ) {}

  async record(entry: AuditRecord, manager?: EntityManager): Promise<void> {
    const row = this.row(entry);
    await (manager ? manager.getRepository(AuditEntry) : this.repo).insert(row);
    await this.sink.recorded(row, manager);
  }

  /** The same entry as `record`, written by `batch` (one round trip with the change it records). */
  prepare(entry: AuditRecord, batch: SqlBatch): void {
    const row = this.row(entry);
    if (this.sink.interested(row)) {
      // The sink writes in the entry's transaction (a security webhook); a batch has none.
      throw new Error(`Audit entry ${row.action} has a subscriber: write it with record() in a transaction`);
    }
    batch.insert('audit_log', {
      id: row.id,
      occurred_at: row.occurredAt,
      action: row.action,
      actor_user_id: row.actorUserId,
      actor_kind: row.actorKind,
      subject_user_id: row.subjectUserId,
      account_id: row.accountId,
      ip: row.ip,
      user_agent: row.userAgent,
      request_id: row.requestId,
      metadata: JSON.stringify(row.metadata),
    });
  }

  private row(entry: AuditRecord) {
    const ctx = requestContext.get();
    return {
      id: randomUUID(),
      occurredAt: this.clock.now(),
      action: entry.action,
      actorUserId: entry.actorUserId ?? null,
      actorKind: entry.actorKind ?? (entry.actorUserId ? 'user' : 'anonymous'),
      subjectUserId: entry.subjectUserId ?? null,
      accountId: entry.accountId ?? null,
      ip: ctx?.ip ?? null,
      userAgent: ctx?.userAgent?.slice(0, 512) ?? null,
      requestId: ctx?.requestId ?? null,
      // Every change made with an API key carries the key's id, whatever lib records it.
      metadata: (ctx?.apiKeyId ? { ...entry.metadata, apiKeyId: ctx.apiKeyId } : (entry.metadata ?? {})) as AuditEntry['metadata'],
    };
  }

  /** Whether any of these actions was recorded about the user after `since` (e.g. a new factor after a support reset). */
  async happenedSince(subjectUserId: string, actions: readonly string[], since: Date): Promise<boolean> {
    const rows: unknown[] = await this.repo.query(
      `SELECT 1 FROM audit_log WHERE subject_user_id = $1 AND action = ANY($2::text[]) AND occurred_at > $3 LIMIT 1`,
      [subjectUserId, [...actions], since],
    );
    return rows.length > 0;
  }

  /** An account's slice of the log, newest first, filtered by account first; keyset pagination on (occurred_at, id). */
  async listForAccount(
    accountId: string,
    filter: { action?: string; actorUserId?: string; from?: Date; to?: Date },
    limit: number,
    before?: { at: string; id: string },
  ): Promise<AuditEntry[]> {
    const qb = this.repo
      .createQueryBuilder('a')
      .where('a.account_id = :accountId', { accountId })
      .orderBy('a.occurred_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (filter.action) {
      qb.andWhere('a.action = :action', { action: filter.action });
    }
    if (filter.actorUserId) {
      qb.andWhere('a.actor_user_id = :actor', { actor: filter.actorUserId });
    }
    if (filter.from) {
      qb.andWhere('a.occurred_at >= :from', { from: filter.from });
    }
    if (filter.to) {
      qb.andWhere('a.occurred_at < :to', { to: filter.to });
    }
    if (before) {
      qb.andWhere('(a.occurred_at, a.id) < (:at, :id)', { at: before.at, id: before.id });
    }
    return qb.getMany();
  }

  /** Newest first; keyset pagination on (occurred_at, id). */
  async listForUser(userId: string, limit: number, before?: { at: string; id: string }): Promise<AuditEntry[]> {
    const qb = this.repo
      .createQueryBuilder('a')
      .where('(a.subject_user_id = :userId OR a.actor_user_id = :userId)', { userId })
      .orderBy('a.occurred_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (before) {
      qb.andWhere('(a.occurred_at, a.id) < (:at, :id)', { at: before.at, id: before.id });
    }
    return qb.getMany();
  }
}
