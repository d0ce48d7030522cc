import { APP_CONFIG, AppConfig, Clock, JobRegistry, Links, Metrics, SecretBox, SmsGateway, requestContext } from '@latchkey/core';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DiscordTransport } from './discord.transport';
import { EVENT_CATALOGUE, EventDefinition, EventType } from './event-catalogue';
import { MailTransport } from './mail.transport';
import { NotificationOutbox } from './notification-outbox.entity';
import {
  DELIVER_JOB,
  DELIVERY_HEARTBEAT_MS,
  DELIVERY_LEASE_MS,
  DELIVERY_RECLAIM_GRACE_MS,
  NOTIFICATIONS_QUEUE,
  queueLeaseMs,
} from './notifications.constants';
import { WIPED_PAYLOAD_SQL, openPayload, withoutSecrets } from './outbox-secrets';

import { TemplateRenderer } from './template-renderer';
import { WebhookSender } from './webhook-sender';
import { WebhooksService } from './webhooks.service';

export interface DeliverJob {
  outboxId: string;
}

class WorkerStopping extends Error {
  constructor() {
    super('Worker is stopping; the delivery goes back to the outbox');
  }
}

/**
 * Delivers one outbox row. The row is claimed with a lease before sending and marked
 * delivered after, so a duplicated or retried job finds nothing to claim and sends nothing.
 * The row id is the idempotency key downstream: it is the email's Message-ID, the SMS outbox
 * file name and the Discord `x-latchkey-delivery` header.
 */
@Injectable()
export class DeliveryProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Outbox rows this process is sending right now: their leases are renewed by the heartbeat. */
  private readonly leased = new Set<string>();
  private heartbeat?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly registry: JobRegistry,
    private readonly dataSource: DataSource,
    private readonly renderer: TemplateRenderer,
    private readonly mail: MailTransport,
    private readonly sms: SmsGateway,
    private readonly discord: DiscordTransport,
    private readonly webhooks: WebhooksService,
    private readonly securityWebhooks: WebhookSender,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly links: Links,
    private readonly secrets: SecretBox,
  ) {}

  onModuleInit() {
    this.registry.define<DeliverJob>({
      queue: NOTIFICATIONS_QUEUE,
      name: DELIVER_JOB,
      concurrency: 8,
      handler: async (data) => {
        await this.deliver(data.outboxId);
      },
      onExhausted: (data, error) => this.deadLetter(data.outboxId, error),
    });
    this.heartbeat = setInterval(() => void this.renewLeases(), DELIVERY_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private async renewLeases(): Promise<void> {
    if (this.leased.size === 0) {
      return;
    }
    await this.dataSource
      .query(`UPDATE notification_outbox SET lease_until = $2 WHERE id = ANY($1::uuid[]) AND status = 'sending'`, [
        [...this.leased],
        new Date(this.clock.nowMs() + DELIVERY_LEASE_MS),
      ])
      .catch((err: Error) => this.logger.warn(`Could not renew delivery leases: ${err.message}`));
  }

  async deliver(outboxId: string): Promise<'delivered' | 'skipped'> {
    if (this.stopping) {
      throw new WorkerStopping();
    }
    const p = this.claimAndSend(outboxId);
    this.inFlight.add(p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(p);
    }
  }

  private async claimAndSend(outboxId: string): Promise<'delivered' | 'skipped'> {
    const now = this.clock.now();
    const claimed: NotificationOutbox[] = await this.dataSource
      .createQueryBuilder()
      .update(NotificationOutbox)
      .set({ status: 'sending', leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS), attempts: () => 'attempts + 1' })
      .where('id = :id', { id: outboxId })
      .andWhere(`(status IN ('pending', 'queued') OR (status = 'sending' AND lease_until < :reclaimBefore))`, {
        reclaimBefore: new Date(now.getTime() - DELIVERY_RECLAIM_GRACE_MS),
      })
      .returning('*')
      .execute()
      .then((r) => (r.raw as Array<Record<string, unknown>>).map((raw) => this.fromRaw(raw)));
    const row = claimed[0];
    if (!row) {
      return 'skipped';
    }
    let outcome: 'delivered' | 'skipped';
    this.leased.add(outboxId);
    try {
      // Logs of the delivery carry the id of the request that caused it.
      outcome = await requestContext.run({ requestId: row.requestId ?? `outbox:${row.id}` }, () => this.send(row));
    } catch (err) {
      this.leased.delete(outboxId);
      this.metrics.deliveries.inc({ channel: row.channel, outcome: 'failed' });
      // Back in the queue's hands for the retry; the lease lets the relay recover it if the queue loses the job.
      const { maxAttempts, backoffMs } = this.config.notifications;
      await this.dataSource.query(
        `UPDATE notification_outbox SET status = 'queued', lease_until = $3, last_error = $2 WHERE id = $1 AND status = 'sending'`,
        [outboxId, String((err as Error).message).slice(0, 1000), new Date(this.clock.nowMs() + queueLeaseMs(maxAttempts, backoffMs))],
      );
      throw err;
    }
    try {
      await this.markDone(outboxId, outcome);
    } finally {
      this.leased.delete(outboxId);
    }
    this.metrics.deliveries.inc({ channel: row.channel, outcome });
    return outcome;
  }

  /**
   * The message is out: record it, retrying while the database is away (a restart), for as long as
   * the lease is ours. Giving up early would let another worker send the message a second time.
   */
  private async markDone(outboxId: string, outcome: 'delivered' | 'skipped'): Promise<void> {
    const deadline = Date.now() + DELIVERY_LEASE_MS * 4;
    for (;;) {
      try {
        await this.dataSource.query(
          `UPDATE notification_outbox SET status = $3, delivered_at = $2, lease_until = NULL, last_error = NULL, payload = ${WIPED_PAYLOAD_SQL} WHERE id = $1`,
          [outboxId, this.clock.now(), outcome],
        );
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw err;
        }
        this.logger.warn(`Could not mark notification ${outboxId} ${outcome} yet: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async send(row: NotificationOutbox): Promise<'delivered' | 'skipped'> {
    if (row.channel === 'webhook') {
      return this.securityWebhooks.send(row);
    }
    const def: EventDefinition | undefined = EVENT_CATALOGUE[row.event as EventType];
    if (!def) {
      throw new Error(`Unknown event ${row.event}`);
    }
    if (row.payload.wiped) {
      // A replayed dead letter whose token links were wiped: a mail without its link helps nobody.
      this.logger.warn(`Notification ${row.id} lost its links when it died; not sent again (the user can ask for a new one)`);
      return 'skipped';
    }
    const data = openPayload(this.secrets, row.payload, row.idempotencyKey);
    const context = {
      ...(row.channel === 'email' ? data : withoutSecrets(data)),
      name: row.payload.name ?? row.recipient,
      locale: row.payload.locale ?? 'en',
      publicUrl: this.config.http.publicUrl,
    };
    const message = this.renderer.render(def.template, def.subject, context);
    switch (row.channel) {
      case 'email':
        await this.mail.send({ to: row.recipient, subject: message.subject, html: message.html, text: message.text, messageId: row.id });
        return 'delivered';
      case 'sms':
        if (!this.sms.enabled) {
          return 'skipped';
        }
        await this.sms.send(row.recipient, `Latchkey: ${message.subject}. ${this.links.build('notification_preferences')}`, row.id);
        return 'delivered';
      case 'discord': {
        const url = row.userId ? await this.webhooks.openUrl(row.userId) : null;
        if (!url) {
          // Unlinked since the event: nothing to deliver to.
          return 'skipped';
        }
        const link = typeof row.payload.data.url === 'string' ? row.payload.data.url : undefined;
        await this.discord.send(url, {
          title: message.subject,
          description: message.summary,
          category: def.category,
          url: link,
          timestamp: row.createdAt ?? this.clock.now(),
          deliveryId: row.id,
        });
        return 'delivered';
      }
      default:
        throw new Error(`Channel ${row.channel} is not delivered through the outbox`);
    }
  }

  private async deadLetter(outboxId: string, error: Error) {
    if (this.stopping || error instanceof WorkerStopping) {
      return;
    }
    this.logger.error(`Notification ${outboxId} moved to the dead-letter list: ${error.message}`);
    this.metrics.deliveries.inc({ channel: 'any', outcome: 'dead' });
    await this.dataSource.query(
      `UPDATE notification_outbox SET status = 'dead', lease_until = NULL, last_error = $2, payload = ${WIPED_PAYLOAD_SQL}
        WHERE id = $1 AND status NOT IN ('delivered', 'skipped')`,
      [outboxId, String(error.message).slice(0, 1000)],
    );
  }

  /** Lets sends in progress finish and record their outcome while the database is still open. */
  async beforeApplicationShutdown() {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
    clearInterval(this.heartbeat);
  }

  private fromRaw(raw: Record<string, unknown>): NotificationOutbox {
    return Object.assign(new NotificationOutbox(), {
      id: raw.id,
      createdAt: raw.created_at ? new Date(raw.created_at as string) : undefined,
      event: raw.event,
      channel: raw.channel,
      userId: raw.user_id,
      recipient: raw.recipient,
      idempotencyKey: raw.idempotency_key,
      payload: typeof raw.payload === 'string' ? JSON.parse(raw.payload) : raw.payload,
      status: raw.status,
      attempts: raw.attempts,
      requestId: (raw.request_id as string | null) ?? null,
    });
  }
}
