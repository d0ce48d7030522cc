import { Clock, decodeCursor, encodeCursor } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { notificationsError } from './notifications.exception';

export interface InboxItem {
  id: string;
  event: string;
  category: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
  unreadCount: number;
}

interface InboxRow {
  id: string;
  event: string;
  category: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date | string;
  read_at: Date | string | null;
}

/** The in-app inbox: entries are written by NotificationsService.notify in the event's own transaction. */
@Injectable()
export class InboxService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async list(userId: string, limit = 20, cursor?: string, unreadOnly = false): Promise<InboxPage> {
    const after = decodeCursor(cursor);
    const params: unknown[] = [userId, limit + 1];
    let where = 'user_id = $1';
    if (unreadOnly) {
      where += ' AND read_at IS NULL';
    }
    if (after) {
      params.push(new Date(after.at), after.id);
      where += ' AND (created_at, id) < ($3, $4::uuid)';
    }
    const rows: InboxRow[] = await this.dataSource.query(
      `SELECT id, event, category, title, body, link, created_at, read_at FROM notification_inbox
        WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM notification_inbox WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        event: r.event,
        category: r.category,
        title: r.title,
        body: r.body,
        link: r.link,
        createdAt: new Date(r.created_at),
        readAt: r.read_at ? new Date(r.read_at) : null,
      })),
      nextCursor: rows.length > limit ? encodeCursor(new Date(page[page.length - 1]!.created_at), page[page.length - 1]!.id) : null,
      unreadCount: n,
    };
  }

  async markRead(userId: string, id: string): Promise<{ unreadCount: number }> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM notification_inbox WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ]);
    if (rows.length === 0) {
      throw notificationsError('NOTIFICATION_NOT_FOUND', 'No such notification.');
    }
    await this.dataSource.query(`UPDATE notification_inbox SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL`, [
      id,
      userId,
      this.clock.now(),
    ]);
    return { unreadCount: await this.unread(userId) };
  }

  async markAllRead(userId: string): Promise<{ unreadCount: number }> {
    await this.dataSource.query(`UPDATE notification_inbox SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, [
      userId,
      this.clock.now(),
    ]);
    return { unreadCount: 0 };
  }

  private async unread(userId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM notification_inbox WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return n;
  }
}
