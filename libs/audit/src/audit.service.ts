import { randomUUID } from 'node:crypto';

import { Clock, requestContext } from '@latchkey/core';
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
    const ctx = requestContext.get();
    const row = {
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
      metadata: (entry.metadata ?? {}) as AuditEntry['metadata'],
    };
    await (manager ? manager.getRepository(AuditEntry) : this.repo).insert(row);
    await this.sink.recorded(row, manager);
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
