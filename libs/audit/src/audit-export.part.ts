import { DataExportPart, DataExportParts, DataExportSink, isoTime, keysetRows } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  id: string;
  at_key: string;
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
    const [{ n }] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM audit_log WHERE subject_user_id = $1)
            + (SELECT count(*) FROM audit_log WHERE actor_user_id = $1 AND subject_user_id IS DISTINCT FROM $1) AS n`,
      [userId],
    );
    return Number(n);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const pass = (where: string) =>
      keysetRows<Row, unknown>(
        (last, limit) =>
          this.dataSource.query(
            `SELECT id, occurred_at::text AS at_key, occurred_at, action, actor_user_id, actor_kind, subject_user_id, account_id, ip,
                    user_agent, metadata
               FROM audit_log WHERE ${where} ${last ? 'AND (occurred_at, id) < ($3::timestamptz, $4::uuid)' : ''}
              ORDER BY occurred_at DESC, id DESC LIMIT $2`,
            last ? [userId, limit, last.at_key, last.id] : [userId, limit],
          ),
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
      yield* pass('subject_user_id = $1');
      yield* pass('actor_user_id = $1 AND subject_user_id IS DISTINCT FROM $1');
    }
    await sink.rows('audit-log', both());
  }
}
