import { DataExportPart, DataExportParts, DataExportSink, countRows, isoTime, newestFirst } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface TicketRow {
  id: string;
  reference: string;
  type: string;
  email: string;
  message: string;
  state: string;
  approved_at: Date | null;
  execute_after: Date | null;
  executed_at: Date | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The user's own support tickets with their trail and identity checks, in the data export; never a
 * token hash or sealed link. Tickets a staff member worked on for others are those people's data.
 */
@Injectable()
export class SupportTicketsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'support-tickets';
  readonly tables = ['support_tickets', 'support_ticket_checks', 'support_ticket_events'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    return countRows(this.dataSource, userId, ['support_tickets']);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const tickets = newestFirst<TicketRow, TicketRow>(
      this.dataSource,
      {
        table: 'support_tickets',
        columns: 'reference, type, email, message, state, approved_at, execute_after, executed_at, reason, created_at, updated_at',
        time: 'created_at',
      },
      userId,
      (r) => r,
    );
    const withTrail = async function* (this: SupportTicketsExportPart) {
      for await (const t of tickets) {
        const events: Array<Record<string, unknown>> = await this.dataSource.query(
          `SELECT from_state, to_state, actor_kind, reason, at FROM support_ticket_events WHERE ticket_id = $1 ORDER BY at`,
          [t.id],
        );
        const checks: Array<Record<string, unknown>> = await this.dataSource.query(
          `SELECT kind, note, created_at FROM support_ticket_checks WHERE ticket_id = $1 ORDER BY created_at`,
          [t.id],
        );
        yield {
          reference: t.reference,
          type: t.type,
          email: t.email,
          message: t.message,
          state: t.state,
          approvedAt: isoTime(t.approved_at),
          executeAfter: isoTime(t.execute_after),
          executedAt: isoTime(t.executed_at),
          reason: t.reason,
          createdAt: isoTime(t.created_at),
          updatedAt: isoTime(t.updated_at),
          trail: events.map((e) => ({ from: e.from_state, to: e.to_state, by: e.actor_kind, reason: e.reason, at: isoTime(e.at as Date) })),
          identityChecks: checks.map((c) => ({ kind: c.kind, note: c.note, at: isoTime(c.created_at as Date) })),
        };
      }
    }.call(this);
    await sink.rows('support-tickets', withTrail);
  }
}
