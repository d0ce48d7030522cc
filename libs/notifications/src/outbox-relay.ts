import { Clock, QueueDriver } from '@latchkey/core';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DELIVERY_ATTEMPTS, DELIVERY_BACKOFF_MS, NOTIFICATIONS_QUEUE, DELIVER_JOB } from './notifications.constants';

const BATCH = 200;

/**
 * Moves committed outbox rows onto the queue. Polls with FOR UPDATE SKIP LOCKED, so any number
 * of relays (one per worker) share the work without taking the same row; the job id is the
 * outbox id, so even a row relayed twice runs once. If the queue is down the rows stay pending
 * and go out when it is back.
 */
@Injectable()
export class OutboxRelay implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueDriver,
    private readonly clock: Clock,
  ) {}

  start(intervalMs = 250): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) {
        return;
      }
      try {
        await this.relayOnce();
      } catch (err) {
        this.logger.warn(`Outbox relay: ${(err as Error).message}`);
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void tick(), intervalMs);
      }
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async relayOnce(): Promise<number> {
    this.running ??= this.relayBatch().finally(() => (this.running = undefined));
    return this.running;
  }

  private async relayBatch(): Promise<number> {
    let moved = 0;
    await this.dataSource.transaction(async (m) => {
      const rows: Array<{ id: string }> = await m.query(
        `SELECT id FROM notification_outbox
          WHERE status = 'pending' AND available_at <= $1
          ORDER BY available_at
          LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED`,
        [this.clock.now()],
      );
      for (const row of rows) {
        await this.queue.add(NOTIFICATIONS_QUEUE, DELIVER_JOB, { outboxId: row.id }, {
          jobId: row.id,
          attempts: DELIVERY_ATTEMPTS,
          backoffMs: DELIVERY_BACKOFF_MS,
        });
        await m.query(`UPDATE notification_outbox SET status = 'queued' WHERE id = $1`, [row.id]);
        moved++;
      }
    });
    return moved;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    await this.running?.catch(() => undefined);
  }

  async onApplicationShutdown() {
    await this.stop();
  }
}
