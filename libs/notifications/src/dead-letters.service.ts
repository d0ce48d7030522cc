import { Clock, decodeCursor, encodeCursor } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { notificationsError } from './notifications.exception';

export interface DeadLetter {
  id: string;
  event: string;
  channel: string;
  userId: string | null;
  recipient: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/** Masks the recipient for staff: enough to recognise it, not to harvest it. */
function maskRecipient(channel: string, recipient: string): string {
  if (channel === 'email') {
    const [local, domain] = recipient.split('@');
    return `${local.slice(0, 2)}•••@${domain ?? ''}`;
  }
  if (channel === 'sms') {
    return `${recipient.slice(0, 3)}•••${recipient.slice(-2)}`;
  }
  return recipient;
}

/** Deliveries that failed past the retry limit, for staff to see and replay. */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async list(limit = 50, cursor?: string): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    const params: unknown[] = [limit + 1];
    let where = `status = 'dead'`;
    const after = decodeCursor(cursor);
    if (after) {
      params.push(new Date(after.at), after.id);
      where += ' AND (created_at, id) < ($2, $3::uuid)';
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, event, channel, user_id, recipient, attempts, last_error, created_at FROM notification_outbox
        WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id as string,
        event: r.event as string,
        channel: r.channel as string,
        userId: (r.user_id as string) ?? null,
        recipient: maskRecipient(r.channel as string, r.recipient as string),
        attempts: r.attempts as number,
        lastError: (r.last_error as string) ?? null,
        createdAt: new Date(r.created_at as string),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(new Date(last.created_at as string), String(last.id)) : null,
    };
  }

  /** Puts a dead delivery back in the outbox with fresh attempts; the relay gives it a new job id. */
  async replay(id: string): Promise<{ id: string; status: 'pending' }> {
    const res: unknown = await this.dataSource.query(
      `UPDATE notification_outbox SET status = 'pending', attempts = 0, available_at = $2, lease_until = NULL
        WHERE id = $1 AND status = 'dead' RETURNING id`,
      [id, this.clock.now()],
    );
    const rows = (Array.isArray(res) && Array.isArray(res[0]) ? res[0] : res) as unknown[];
    if (rows.length === 0) {
      throw notificationsError('DEAD_LETTER_NOT_FOUND', 'No such dead letter.');
    }
    return { id, status: 'pending' };
  }
}
