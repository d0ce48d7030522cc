import { DataExportPart, DataExportParts, DataExportSink, countRows, isoTime, newestFirst } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The entries about the user, and those the user made about others (theirs to see, minus the other person's details). */
const ABOUT_YOU = 'subject_user_id = $1';
const BY_YOU_ABOUT_OTHERS = 'actor_user_id = $1 AND subject_user_id IS DISTINCT FROM $1';

interface Row {
  id: string;
  occurred_at: Date;
  action: string;
  actor_user_id: string | null;
  actor_kind: string;
  subject_user_id: string | null;
  account_id: string | null;
  ip: string | null;
  user_agent: string | null;
  metadata: unknown;
}

/**
 * Audit entries about the user (they are the subject) and by the user (they acted), in keyset
 * batches along each index. Another person's IP and browser stay out: an entry shows where it came
 * from only when the user acted; who else acted is told by kind (staff, another user, system).
 */
@Injectable()
export class AuditExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'audit-log';
  readonly tables = ['audit_log'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    return countRows(this.dataSource, userId, ['audit_log', ABOUT_YOU], ['audit_log', BY_YOU_ABOUT_OTHERS]);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const pass = (where: string) =>
      newestFirst<Row, unknown>(
        this.dataSource,
        {
          table: 'audit_log',
          columns: 'occurred_at, action, actor_user_id, actor_kind, subject_user_id, account_id, ip, user_agent, metadata',
          time: 'occurred_at',
          where,
        },
        userId,
        (r) => {
          const byYou = r.actor_user_id === userId;
          return {
            id: r.id,
            occurredAt: isoTime(r.occurred_at),
            action: r.action,
            by: byYou ? 'you' : r.actor_user_id ? (r.actor_kind === 'user' ? 'another user' : r.actor_kind) : r.actor_kind,
            about: r.subject_user_id === userId ? 'you' : r.subject_user_id ? 'another user' : null,
            accountId: r.account_id,
            ip: byYou ? r.ip : null,
            userAgent: byYou ? r.user_agent : null,
            details: typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata,
          };
        },
      );
    async function* both() {
      yield* pass(ABOUT_YOU);
      yield* pass(BY_YOU_ABOUT_OTHERS);
    }
    await sink.rows('audit-log', both());
  }
}
