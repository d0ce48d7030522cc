import { AuditService } from '@latchkey/audit';
import { decodeCursor, toPage } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { AuditPageDto, AuditQueryDto } from './dto/accounts.dto';

/** The account's slice of the audit log (read through the audit lib), with the people named. */
@Injectable()
export class AccountAuditService {
  constructor(
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  async list(accountId: string, q: AuditQueryDto): Promise<AuditPageDto> {
    const limit = q.limit ?? 20;
    const rows = await this.audit.listForAccount(
      accountId,
      { action: q.action, actorUserId: q.actor, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      limit,
      decodeCursor(q.cursor),
    );
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
