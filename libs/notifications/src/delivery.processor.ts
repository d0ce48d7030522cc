import { APP_CONFIG, AppConfig, Clock, JobRegistry } from '@latchkey/core';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { EVENT_CATALOGUE, EventType } from './event-catalogue';
import { MailTransport } from './mail.transport';
import { NotificationOutbox } from './notification-outbox.entity';
import { DELIVER_JOB, DELIVERY_LEASE_MS, NOTIFICATIONS_QUEUE } from './notifications.constants';
import { TemplateRenderer } from './template-renderer';

/**
 * Delivers one outbox row. The row is claimed with a lease before sending and marked
 * delivered after, so a duplicated or retried job finds nothing to claim and sends nothing.
 */
@Injectable()
export class DeliveryProcessor implements OnModuleInit {
  private readonly logger = new Logger(DeliveryProcessor.name);

  constructor(
    private readonly registry: JobRegistry,
    private readonly dataSource: DataSource,
    private readonly renderer: TemplateRenderer,
    private readonly mail: MailTransport,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit() {
    this.registry.define<{ outboxId: string }>({
      queue: NOTIFICATIONS_QUEUE,
      name: DELIVER_JOB,
      concurrency: 8,
      handler: async (data) => {
        await this.deliver(data.outboxId);
      },
      onExhausted: (data, error) => this.deadLetter(data.outboxId, error),
    });
  }

  async deliver(outboxId: string): Promise<'delivered' | 'skipped'> {
    const now = this.clock.now();
    const claimed: NotificationOutbox[] = await this.dataSource
      .createQueryBuilder()
      .update(NotificationOutbox)
      .set({ status: 'sending', leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS), attempts: () => 'attempts + 1' })
      .where('id = :id', { id: outboxId })
      .andWhere(`(status IN ('pending', 'queued') OR (status = 'sending' AND lease_until < :now))`, { now })
      .returning('*')
      .execute()
      .then((r) => (r.raw as Array<Record<string, unknown>>).map((raw) => this.fromRaw(raw)));
    const row = claimed[0];
    if (!row) {
      return 'skipped';
    }
    try {
      await this.send(row);
    } catch (err) {
      await this.dataSource.query(
        `UPDATE notification_outbox SET status = 'queued', lease_until = NULL, last_error = $2 WHERE id = $1 AND status = 'sending'`,
        [outboxId, String((err as Error).message).slice(0, 1000)],
      );
      throw err;
    }
    await this.dataSource.query(
      `UPDATE notification_outbox SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_error = NULL WHERE id = $1`,
      [outboxId, this.clock.now()],
    );
    return 'delivered';
  }

  private async send(row: NotificationOutbox): Promise<void> {
    const def = EVENT_CATALOGUE[row.event as EventType];
    if (!def) {
      throw new Error(`Unknown event ${row.event}`);
    }
    const context = { ...row.payload.data, name: row.payload.name ?? row.recipient, locale: row.payload.locale ?? 'en', publicUrl: this.config.http.publicUrl };
    const message = this.renderer.render(def.template, def.subject, context);
    switch (row.channel) {
      case 'email':
        await this.mail.send({ to: row.recipient, ...message, messageId: row.id });
        return;
      case 'sms':
        throw new Error('SMS delivery is not configured for this event');
    }
  }

  private async deadLetter(outboxId: string, error: Error) {
    this.logger.error(`Notification ${outboxId} moved to the dead-letter list: ${error.message}`);
    await this.dataSource.query(
      `UPDATE notification_outbox SET status = 'dead', lease_until = NULL, last_error = $2 WHERE id = $1 AND status <> 'delivered'`,
      [outboxId, String(error.message).slice(0, 1000)],
    );
  }

  private fromRaw(raw: Record<string, unknown>): NotificationOutbox {
    return Object.assign(new NotificationOutbox(), {
      id: raw.id,
      event: raw.event,
      channel: raw.channel,
      userId: raw.user_id,
      recipient: raw.recipient,
      payload: typeof raw.payload === 'string' ? JSON.parse(raw.payload) : raw.payload,
      status: raw.status,
      attempts: raw.attempts,
    });
  }
}
