import { DataExportPart, DataExportParts, DataExportSink, countRows, isoTime, newestFirst } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface InboxRow {
  id: string;
  event: string;
  category: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date;
  read_at: Date | null;
}

interface DeliveryRow {
  id: string;
  event: string;
  channel: string;
  recipient: string;
  status: string;
  created_at: Date;
  delivered_at: Date | null;
}

/**
 * The in-app inbox and the record of every notification sent to the user (event, channel, address,
 * outcome) in the data export. Never an outbox payload: it may hold a sealed token link.
 */
@Injectable()
export class NotificationsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'notifications';
  readonly tables = ['notification_inbox', 'notification_outbox'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    return countRows(this.dataSource, userId, ['notification_inbox'], ['notification_outbox']);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    await sink.rows(
      'notifications',
      newestFirst<InboxRow, unknown>(
        this.dataSource,
        { table: 'notification_inbox', columns: 'event, category, title, body, link, created_at, read_at', time: 'created_at' },
        userId,
        (r) => ({
          id: r.id,
          event: r.event,
          category: r.category,
          title: r.title,
          body: r.body,
          link: r.link,
          createdAt: isoTime(r.created_at),
          readAt: isoTime(r.read_at),
        }),
      ),
    );
    await sink.rows(
      'notification-deliveries',
      newestFirst<DeliveryRow, unknown>(
        this.dataSource,
        { table: 'notification_outbox', columns: 'event, channel, recipient, status, created_at, delivered_at', time: 'created_at' },
        userId,
        (r) => ({
          id: r.id,
          event: r.event,
          channel: r.channel,
          // A Discord delivery's recipient is an internal handle; the webhook itself is in notification-preferences.
          to: r.channel === 'discord' ? 'discord' : r.recipient,
          status: r.status,
          createdAt: isoTime(r.created_at),
          deliveredAt: isoTime(r.delivered_at),
        }),
      ),
    );
  }
}

/** Notification preferences and linked channels (the Discord webhook by its hint only) in the data export. */
@Injectable()
export class NotificationPreferencesExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'notification-preferences';
  readonly tables = ['notification_preferences', 'notification_webhooks'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(): Promise<number> {
    return 1;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const preferences: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT event, channel, enabled, updated_at FROM notification_preferences WHERE user_id = $1 ORDER BY event, channel`,
      [userId],
    );
    const webhooks: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT kind, url_hint, created_at FROM notification_webhooks WHERE user_id = $1`,
      [userId],
    );
    await sink.json('notification-preferences', {
      preferences: preferences.map((p) => ({
        event: p.event,
        channel: p.channel,
        enabled: p.enabled,
        updatedAt: isoTime(p.updated_at as Date),
      })),
      linkedChannels: webhooks.map((w) => ({ kind: w.kind, hint: w.url_hint, createdAt: isoTime(w.created_at as Date) })),
    });
  }
}
