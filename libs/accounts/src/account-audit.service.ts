import { AuditEntry } from '@latchkey/audit';
import { decodeCursor, toPage } from '@latchkey/core';
import { UsersRepository } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { AuditPageDto, AuditQueryDto } from './dto/accounts.dto';

/** The account's slice of the audit log: always filtered by account_id first. */
@Injectable()
export class AccountAuditService {
  constructor(
    @InjectRepository(AuditEntry) private readonly repo: Repository<AuditEntry>,
    private readonly users: UsersRepository,
  ) {}

  async list(accountId: string, q: AuditQueryDto): Promise<AuditPageDto> {
    const limit = q.limit ?? 20;
    const qb = this.repo
      .createQueryBuilder('a')
      .where('a.account_id = :accountId', { accountId })
      .orderBy('a.occurred_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (q.action) {
      qb.andWhere('a.action = :action', { action: q.action });
    }
    if (q.actor) {
      qb.andWhere('a.actor_user_id = :actor', { actor: q.actor });
    }
    if (q.from) {
      qb.andWhere('a.occurred_at >= :from', { from: new Date(q.from) });
    }
    if (q.to) {
      qb.andWhere('a.occurred_at < :to', { to: new Date(q.to) });
    }
    const before = decodeCursor(q.cursor);
    if (before) {
      qb.andWhere('(a.occurred_at, a.id) < (:at, :id)', { at: before.at, id: before.id });
    }
    const rows = await qb.getMany();
    const people = await this.users.findRefs(rows.slice(0, limit).flatMap((r) => [r.actorUserId, r.subjectUserId]));
    return toPage(
      rows,
      limit,
      (r) => r.occurredAt,
      (r) => ({
        id: r.id,
        occurredAt: r.occurredAt.toISOString(),
        action: r.action,
        actorUserId: r.actorUserId,
        actorKind: r.actorKind,
        actor: (r.actorUserId && people.get(r.actorUserId)) || null,
        subjectUserId: r.subjectUserId,
        subject: (r.subjectUserId && people.get(r.subjectUserId)) || null,
        actorPseudonym: r.actorPseudonym,
        subjectPseudonym: r.subjectPseudonym,
        ip: r.ip,
        metadata: r.metadata,
      }),
    );
  }
}
