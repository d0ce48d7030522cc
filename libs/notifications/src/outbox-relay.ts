import { APP_CONFIG, AppConfig, Clock, QueueDriver } from '@latchkey/core';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  DELIVER_JOB,
  DELIVERY_BATCH,
  NOTIFICATIONS_QUEUE,
  RECLAIM_INTERVAL_MS,
  RELAY_BATCH,
  RELAY_FAILURE_PAUSE_MS,
  RELAY_INTERVAL_MS,
  WORKER_TIMEOUT_MS,
  deliveryJobId,
  queueLeaseMs,
} from './notifications.constants';
import { WIPED_PAYLOAD_SQL } from './outbox-secrets';
import { WorkerLease } from './worker-lease';

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * Moves committed outbox rows onto the queue.
 *
 * Choice: polling with FOR UPDATE SKIP LOCKED rather than LISTEN/NOTIFY. It works the same on
 * PostgreSQL and PGlite, needs no dedicated connection, and any number of relays (one per
 * worker) share the rows without taking the same one; LISTEN would only shave the 250 ms poll.
 *
 * Up to RELAY_BATCH rows are claimed in one short statement (status 'queued' plus a queue lease),
 * then handed to the queue outside any transaction in one bulk add, as jobs of DELIVERY_BATCH ids,
 * so a slow or absent Redis never holds a database connection. Rows the queue refused go back to
 * 'pending'. Rows held by a worker that stopped beating (WorkerLease) go back to 'pending' about
 * once a second; a 'queued' row whose lease ran out (Redis lost its job) is relayed again too.
 * Either way the row gets a new generation, so its job id is new; the delivery claim makes sure
 * it is still sent once.
 */
@Injectable()
export class OutboxRelay implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;
  private readonly leaseMs: number;
  private lastReclaim = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueDriver,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lease: WorkerLease,
  ) {
    this.leaseMs = queueLeaseMs(config.notifications.maxAttempts, config.notifications.backoffMs);
    // A Redis that restarted without its data lost the jobs of 'queued' rows: relay them again at
    // once instead of waiting out their queue lease. A job that did survive is harmless: the
    // delivery claim lets only one of the two send.
    this.queue.onReconnect(() => {
      this.dataSource
        .query(`UPDATE notification_outbox SET status = 'pending', lease_until = NULL, worker_id = NULL WHERE status = 'queued'`)
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

  /**
   * Puts the rows of dead workers back in the outbox: held by a worker whose heartbeat is older
   * than WORKER_TIMEOUT_MS (or that deregistered). Not while the database itself has been up
   * for less than that: after a restart every heartbeat looks old, and live workers first get the
   * time to beat and record what they sent. Resolves to the number of rows taken over.
   */
  async reclaim(): Promise<number> {
    const timeout = `make_interval(secs => ${WORKER_TIMEOUT_MS / 1000})`;
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(
        // A 'sending' row with delivered_at had its final dot written (stamped so by HandedMarks before it recorded the
        // status itself; rows of workers of that release): delivered, not sent again.
        `UPDATE notification_outbox o
            SET status = CASE WHEN o.status = 'sending' AND o.delivered_at IS NOT NULL THEN 'delivered' ELSE 'pending' END,
                payload = CASE WHEN o.status = 'sending' AND o.delivered_at IS NOT NULL THEN ${WIPED_PAYLOAD_SQL} ELSE o.payload END,
                worker_id = NULL, lease_until = NULL
          WHERE o.status IN ('queued', 'sending') AND o.worker_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM notification_workers w WHERE w.id = o.worker_id AND w.heartbeat_at > now() - ${timeout})
            AND now() - pg_postmaster_start_time() > ${timeout}
          RETURNING o.id`,
      ),
    );
    await this.dataSource.query(
      `DELETE FROM notification_workers w WHERE w.heartbeat_at < now() - ${timeout}
          AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.worker_id = w.id AND o.status IN ('queued', 'sending'))`,
    );
    if (rows.length > 0) {
      this.logger.warn(`Outbox relay: took over ${rows.length} notification(s) from a worker that stopped`);
    }
    return rows.length;
  }

  private async relayBatch(): Promise<number> {
    if (Date.now() - this.lastReclaim >= RECLAIM_INTERVAL_MS) {
      this.lastReclaim = Date.now();
      await this.reclaim();
    }
    // Rows name the worker that relayed them: an in-process job lives and dies with it, and a
    // relay killed between its claim and the bulk add would leave rows no job carries. Should it
    // die after the add, its rows are relayed again and the claim lets one of the two jobs send.
    const holder = await this.lease.ensure();
    const now = this.clock.now();
    const claimed = rowsOf<{ id: string; generation: number }>(
      await this.dataSource.query(
        `UPDATE notification_outbox o SET status = 'queued', lease_until = $2, generation = o.generation + 1, worker_id = $3
          WHERE o.id IN (
            SELECT id FROM notification_outbox
             WHERE (status = 'pending' AND available_at <= $1)
                OR (status IN ('queued', 'sending') AND lease_until < $1)
             ORDER BY available_at
             LIMIT ${RELAY_BATCH}
             FOR UPDATE SKIP LOCKED)
          RETURNING o.id, o.generation`,
        [now, new Date(now.getTime() + this.leaseMs), holder],
      ),
    );
    if (claimed.length === 0) {
      return 0;
    }
    const { maxAttempts, backoffMs } = this.config.notifications;
    const jobs = [];
    for (let i = 0; i < claimed.length; i += DELIVERY_BATCH) {
      const batch = claimed.slice(i, i + DELIVERY_BATCH);
      jobs.push({
        name: DELIVER_JOB,
        data: { outboxIds: batch.map((r) => r.id) },
        opts: { jobId: deliveryJobId(batch[0].id, batch[0].generation), attempts: maxAttempts, backoffMs },
      });
    }
    try {
      await this.queue.addBulk(NOTIFICATIONS_QUEUE, jobs);
    } catch (err) {
      await this.dataSource.query(
        `UPDATE notification_outbox SET status = 'pending', lease_until = NULL, worker_id = NULL WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
        [claimed.map((r) => r.id)],
      );
      throw new Error(`queue refused ${claimed.length} notification(s), kept in the outbox: ${(err as Error).message}`);
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
