import { APP_CONFIG, AppConfig, Clock, QueueDriver } from '@latchkey/core';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  DELIVER_JOB,
  DELIVERY_RECLAIM_GRACE_MS,
  NOTIFICATIONS_QUEUE,
  RELAY_BATCH,
  RELAY_FAILURE_PAUSE_MS,
  RELAY_INTERVAL_MS,
  deliveryJobId,
  queueLeaseMs,
} from './notifications.constants';

/**
 * Moves committed outbox rows onto the queue.
 *
 * Choice: polling with FOR UPDATE SKIP LOCKED rather than LISTEN/NOTIFY. It works the same on
 * PostgreSQL and PGlite, needs no dedicated connection, and any number of relays (one per
 * worker) share the rows without taking the same one; LISTEN would only shave the 250 ms poll.
 *
 * A batch is claimed in one short statement (status 'queued' plus a queue lease), then handed to
 * the queue outside any transaction, so a slow or absent Redis never holds a database
 * connection. Rows the queue refused go back to 'pending'. A row whose lease ran out while still
 * queued or sending (its worker died with the job) is relayed again under a new generation, so
 * its job id is new; the delivery claim makes sure it is still sent once.
 */
@Injectable()
export class OutboxRelay implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueDriver,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.leaseMs = queueLeaseMs(config.notifications.maxAttempts, config.notifications.backoffMs);
    // A Redis that restarted without its data lost the jobs of 'queued' rows: relay them again at
    // once instead of waiting out their queue lease. A job that did survive is harmless: the
    // delivery claim lets only one of the two send.
    this.queue.onReconnect(() => {
      this.dataSource
        .query(`UPDATE notification_outbox SET status = 'pending', lease_until = NULL WHERE status = 'queued'`)
        .catch((err: Error) => this.logger.warn(`Outbox relay: could not requeue after a queue outage: ${err.message}`));
    });
  }

  start(intervalMs = RELAY_INTERVAL_MS): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) {
        return;
      }
      let wait = intervalMs;
      try {
        const moved = await this.relayOnce();
        wait = moved >= RELAY_BATCH ? 0 : intervalMs;
      } catch (err) {
        this.logger.warn(`Outbox relay: ${(err as Error).message}`);
        wait = RELAY_FAILURE_PAUSE_MS;
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void tick(), wait);
      }
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  /** One batch; resolves to the number of rows handed to the queue. Throws when the queue refused them. */
  async relayOnce(): Promise<number> {
    this.running ??= this.relayBatch().finally(() => (this.running = undefined));
    return this.running;
  }

  private async relayBatch(): Promise<number> {
    const now = this.clock.now();
    const claimed: Array<{ id: string; generation: number }> = await this.dataSource
      .query(
        `UPDATE notification_outbox o SET status = 'queued', lease_until = $2, generation = o.generation + 1
          WHERE o.id IN (
            SELECT id FROM notification_outbox
             WHERE (status = 'pending' AND available_at <= $1)
                OR (status = 'queued' AND lease_until < $1)
                OR (status = 'sending' AND lease_until < $1::timestamptz - make_interval(secs => ${DELIVERY_RECLAIM_GRACE_MS / 1000}))
             ORDER BY available_at
             LIMIT ${RELAY_BATCH}
             FOR UPDATE SKIP LOCKED)
          RETURNING o.id, o.generation`,
        [now, new Date(now.getTime() + this.leaseMs)],
      )
      .then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as Array<{ id: string; generation: number }>);
    if (claimed.length === 0) {
      return 0;
    }
    const { maxAttempts, backoffMs } = this.config.notifications;
    const results = await Promise.allSettled(
      claimed.map((row) =>
        this.queue.add(
          NOTIFICATIONS_QUEUE,
          DELIVER_JOB,
          { outboxId: row.id },
          {
            jobId: deliveryJobId(row.id, row.generation),
            attempts: maxAttempts,
            backoffMs,
          },
        ),
      ),
    );
    const refused = claimed.filter((_, i) => results[i].status === 'rejected').map((r) => r.id);
    if (refused.length > 0) {
      await this.dataSource.query(
        `UPDATE notification_outbox SET status = 'pending', lease_until = NULL WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
        [refused],
      );
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Error;
      throw new Error(`queue refused ${refused.length} of ${claimed.length} notification(s), kept in the outbox: ${reason.message}`);
    }
    return claimed.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    await this.running?.catch(() => undefined);
  }

  async beforeApplicationShutdown() {
    await this.stop();
  }
}
