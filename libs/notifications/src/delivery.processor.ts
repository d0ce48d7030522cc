import { APP_CONFIG, AppConfig, Clock, Links, Metrics, QueueDriver, SecretBox, SmsGateway, requestContext } from '@latchkey/core';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ACCOUNT_DISCORD_CHANNEL, AccountNotificationSettingsService } from './account-notification-settings.service';
import { DeliveredMarks, Outcome } from './delivered-marks';
import { DiscordTransport } from './discord.transport';
import { HandedMarks } from './handed-marks';
import { EVENT_CATALOGUE, EventDefinition, EventType } from './event-catalogue';
import { HostEventTypesService } from './host-event-types.service';
import { MailTransport } from './mail.transport';
import { NotificationOutbox } from './notification-outbox.entity';
import { SEND_CONCURRENCY, queueLeaseMs } from './notifications.constants';
import { WIPED_PAYLOAD_SQL, openPayload, withoutSecrets } from './outbox-secrets';

import { TemplateRenderer } from './template-renderer';
import { WebhookSender } from './webhook-sender';
import { WebhooksService } from './webhooks.service';
import { WorkerLease } from './worker-lease';

/** A batch of outbox rows (the relay's jobs); `outboxId` is the one-row form of earlier releases. */
export interface DeliverJob {
  outboxIds?: string[];
  outboxId?: string;
}

export function deliverJobIds(data: DeliverJob): string[] {
  return data.outboxIds ?? (data.outboxId ? [data.outboxId] : []);
}

class WorkerStopping extends Error {
  constructor() {
    super('Worker is stopping; the delivery goes back to the outbox');
  }
}

/** An email's record by its final dot (HandedMarks): set once the body is handed over. */
interface Stamp {
  recorded?: Promise<boolean>;
}

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * Delivers batches of outbox rows. A batch is claimed in one statement (status 'sending', the
 * row naming this worker, whose heartbeat keeps it: WorkerLease) and each row is marked
 * delivered as soon as the SMTP server (or Twilio, Discord) accepted it, so a duplicated or
 * retried job finds nothing to claim and sends nothing. An email is recorded delivered by the
 * UPDATE that leaves with its final dot (HandedMarks); other channels, and an email that UPDATE
 * did not record, by a mark after the reply (DeliveredMarks). The row id is the idempotency key
 * downstream: it is the email's Message-ID, the SMS outbox file name and the Discord
 * `x-latchkey-delivery` header, so a receiver can drop the rare duplicate of a worker killed
 * between sending and recording (an email: between its final dot and that UPDATE; other channels:
 * between the reply and the mark).
 */
@Injectable()
export class DeliveryProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly marks: DeliveredMarks;
  private readonly handed: HandedMarks;
  /** Renders and sends in progress in this process, and the rows waiting for a free one. */
  private sending = 0;
  private readonly waiting: Array<() => void> = [];
  private stopping = false;

  constructor(
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
    private readonly queue: QueueDriver,
    private readonly lease: WorkerLease,
    private readonly hostTypes: HostEventTypesService,
    private readonly accountSettings: AccountNotificationSettingsService,
  ) {
    this.marks = new DeliveredMarks(dataSource, clock);
    this.handed = new HandedMarks(dataSource, clock, lease.id);
  }

  /** One row (a replayed job, tests): 'skipped' when it is not there to claim or needed no sending. */
  async deliver(outboxId: string): Promise<Outcome> {
    const outcomes = await this.deliverBatch([outboxId]);
    return outcomes.get(outboxId) ?? 'skipped';
  }

  /**
   * Claims what is still to send among the ids, sends each and marks it. Throws when any row
   * failed, after the others are recorded: the queue retries the batch and only the failed rows
   * are claimed again.
   */
  async deliverBatch(outboxIds: string[]): Promise<Map<string, Outcome>> {
    if (this.stopping) {
      throw new WorkerStopping();
    }
    const p = this.claimAndSend(outboxIds);
    this.inFlight.add(p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(p);
    }
  }

  private async claimAndSend(outboxIds: string[]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    if (outboxIds.length === 0) {
      return outcomes;
    }
    const workerId = await this.lease.ensure();
    const rows = rowsOf<Record<string, unknown>>(
      await this.dataSource.query(
        // Fenced: a worker presumed dead (its row deleted) claims nothing until its heartbeat registers it again.
        `UPDATE notification_outbox SET status = 'sending', worker_id = $2, lease_until = NULL, attempts = attempts + 1
          WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'queued')
            AND EXISTS (SELECT 1 FROM notification_workers WHERE id = $2)
          RETURNING *`,
        [outboxIds, workerId],
      ),
    ).map((raw) => this.fromRaw(raw));
    const failures: Array<{ id: string; error: Error }> = [];
    await Promise.all(
      rows.map(async (row) => {
        const stamp: Stamp = {};
        try {
          outcomes.set(row.id, await this.sendOne(row, stamp));
        } catch (err) {
          // Given back at once, not when the batch is done: a kill in the meantime would leave it to the take-over.
          await stamp.recorded;
          await this.giveBack(row, err as Error);
          failures.push({ id: row.id, error: err as Error });
        }
      }),
    );
    if (failures.length > 0) {
      const first = failures[0].error;
      throw failures.length === rows.length && rows.length === 1
        ? first
        : new Error(`${failures.length} of ${rows.length} notification(s) failed: ${first.message}`);
    }
    return outcomes;
  }

  /** Render, send and mark one row, a limited number at a time so the event loop stays responsive. */
  private async sendOne(row: NotificationOutbox, stamp: Stamp): Promise<Outcome> {
    if (this.sending >= SEND_CONCURRENCY) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.sending++;
    let outcome: Outcome;
    try {
      if (this.stopping) {
        throw new WorkerStopping();
      }
      // Logs of the delivery carry the id of the request that caused it.
      outcome = await requestContext.run({ requestId: row.requestId ?? `outbox:${row.id}` }, () => this.send(row, stamp));
    } catch (err) {
      this.metrics.deliveries.inc({ channel: row.channel, outcome: 'failed' });
      throw err;
    } finally {
      this.sending--;
      this.waiting.shift()?.();
    }
    // Recorded with the final dot, or else right after the server's reply; the job completes only once the mark is in.
    if (!(await stamp.recorded)) {
      await this.marks.mark(row.id, outcome);
    }
    this.metrics.deliveries.inc({ channel: row.channel, outcome });
    return outcome;
  }

  /**
   * A failed row goes back to the queue's hands for its retry; the lease lets the relay recover it
   * if the queue loses the job. A row this worker recorded delivered with its final dot
   * (HandedMarks) before the server refused it gets its sealed links back; it is found by this
   * claim (worker and attempt) whether or not the answer to that UPDATE arrived, so a later claim
   * of the same row (after a take-over) is never reopened. Retried until it is written or the
   * worker stops: a row left 'delivered' would never be sent, one left 'sending' only after this
   * worker is gone.
   */
  private async giveBack(row: NotificationOutbox, error: Error): Promise<void> {
    const { maxAttempts, backoffMs } = this.config.notifications;
    // The retry of an in-process job lives in this process: the row stays ours until it runs.
    const holder = this.queue.kind === 'in-process' ? this.lease.id : null;
    const until = new Date(this.clock.nowMs() + queueLeaseMs(maxAttempts, backoffMs));
    for (let pause = 200; ; pause = Math.min(pause * 2, 5_000)) {
      try {
        await this.dataSource.query(
          `UPDATE notification_outbox
              SET status = 'queued', lease_until = $3, last_error = $2, worker_id = $4, delivered_at = NULL,
                  payload = CASE WHEN status = 'delivered' AND $6::text IS NOT NULL
                                 THEN (payload - 'wiped') || jsonb_build_object('sealed', $6::text) ELSE payload END
            WHERE id = $1 AND worker_id = $5 AND attempts = $7 AND status IN ('sending', 'delivered')`,
          [row.id, String(error.message).slice(0, 1000), until, holder, this.lease.id, row.payload.sealed ?? null, row.attempts],
        );
        return;
      } catch (err) {
        if (this.stopping) {
          this.logger.error(`Could not give notification ${row.id} back for its retry before stopping: ${(err as Error).message}`);
          return;
        }
        this.logger.warn(`Could not give notification ${row.id} back yet: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  private async send(row: NotificationOutbox, stamp: Stamp): Promise<Outcome> {
    if (row.channel === 'webhook') {
      return this.securityWebhooks.send(row);
    }
    if (row.channel === ACCOUNT_DISCORD_CHANNEL) {
      return this.sendAccountAlert(row);
    }
    const host = row.payload.hostVersion ? await this.hostTypes.version(row.event, row.payload.hostVersion) : undefined;
    const def: EventDefinition | undefined = host ? this.hostTypes.definition(host) : EVENT_CATALOGUE[row.event as EventType];
    if (!def) {
      throw new Error(`Unknown event ${row.event}${row.payload.hostVersion ? ` version ${row.payload.hostVersion}` : ''}`);
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
    const message = host
      ? this.hostTypes.render(host, row.channel as 'email' | 'sms' | 'discord', context)
      : this.renderer.render(def.template, def.subject, context);
    switch (row.channel) {
      case 'email':
        await this.mail.send(
          { to: row.recipient, subject: message.subject, html: message.html, text: message.text, messageId: row.id },
          (write) => {
            stamp.recorded = this.handed.hand(row.id, row.attempts, write);
          },
        );
        return 'delivered';
      case 'sms':
        if (!this.sms.enabled) {
          return 'skipped';
        }
        await this.sms.send(
          row.recipient,
          host
            ? `${message.summary} ${this.links.build('notification_preferences')}`
            : `Latchkey: ${message.subject}. ${this.links.build('notification_preferences')}`,
          row.id,
        );
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

  /** An account alert: the text was written with the row; the URL is opened only now, so a removed channel gets nothing. */
  private async sendAccountAlert(row: NotificationOutbox): Promise<Outcome> {
    const accountId = typeof row.payload.data.accountId === 'string' ? row.payload.data.accountId : null;
    const url = accountId ? await this.accountSettings.openDiscordUrl(accountId) : null;
    if (!url) {
      return 'skipped';
    }
    await this.discord.send(url, {
      title: String(row.payload.data.title ?? row.event),
      description: String(row.payload.data.description ?? ''),
      category: 'team',
      timestamp: row.createdAt ?? this.clock.now(),
      deliveryId: row.id,
    });
    return 'delivered';
  }

  /** The queue's last attempt at a batch failed: what it gave back is dead (DeliveryQueueProcessor). */
  async deadLetter(outboxIds: string[], error: Error) {
    if (this.stopping || error instanceof WorkerStopping) {
      return;
    }
    // Only the rows this batch gave back; delivered ones and rows another worker holds stay as they are.
    const dead = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE notification_outbox SET status = 'dead', lease_until = NULL, worker_id = NULL, last_error = COALESCE(last_error, $2), payload = ${WIPED_PAYLOAD_SQL}
          WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'queued') RETURNING id`,
        [outboxIds, String(error.message).slice(0, 1000)],
      ),
    );
    for (const row of dead) {
      this.logger.error(`Notification ${row.id} moved to the dead-letter list: ${error.message}`);
      this.metrics.deliveries.inc({ channel: 'any', outcome: 'dead' });
    }
  }

  /** Lets sends in progress finish and record their outcome while the database is still open, then leaves the worker list. */
  async beforeApplicationShutdown() {
    this.stopping = true;
    for (const resolve of this.waiting.splice(0)) {
      resolve();
    }
    await Promise.allSettled([...this.inFlight]);
    this.handed.close();
    await this.lease.release();
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
