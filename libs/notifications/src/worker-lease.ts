import { randomUUID } from 'node:crypto';
import * as os from 'node:os';

import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';

import { WORKER_HEARTBEAT_MS } from './notifications.constants';

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * This process as a delivery worker: a row in notification_workers whose heartbeat the
 * database's clock judges. Rows the process holds carry its id; when the heartbeat stops (the
 * process died), any relay puts them back in the outbox (OutboxRelay.reclaim). A graceful stop
 * deletes the row, so what is left is taken over at once.
 */
@Injectable()
export class WorkerLease implements OnApplicationShutdown {
  readonly id = randomUUID();
  private readonly logger = new Logger(WorkerLease.name);
  private registered?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private released = false;
  /** The heartbeat's own connection: a pool busy with claims and marks must not delay it into a false death. */
  private runner?: QueryRunner;

  constructor(private readonly dataSource: DataSource) {}

  /** Registers the worker once and starts its heartbeat; resolves to the worker id. */
  async ensure(): Promise<string> {
    this.registered ??= this.register().catch((err: Error) => {
      this.registered = undefined;
      throw err;
    });
    await this.registered;
    return this.id;
  }

  private async register(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO notification_workers (id, host, pid) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.id, os.hostname(), process.pid],
    );
    if (!this.timer && !this.released) {
      this.timer = setInterval(() => void this.beat(), WORKER_HEARTBEAT_MS);
      this.timer.unref();
    }
  }

  private async beat(): Promise<void> {
    try {
      // The embedded PGlite has one connection, which a held runner would keep from everyone else.
      const server = Boolean((this.dataSource.options as { url?: string }).url);
      if (server && (!this.runner || this.runner.isReleased)) {
        this.runner = this.dataSource.createQueryRunner();
        await this.runner.connect();
      }
      const sql = `UPDATE notification_workers SET heartbeat_at = now() WHERE id = $1 RETURNING id`;
      const rows = rowsOf(await (this.runner ? this.runner.query(sql, [this.id]) : this.dataSource.query(sql, [this.id])));
      if (rows.length === 0 && !this.released) {
        // Declared dead (a pause longer than the timeout): what it held went back to the outbox.
        this.logger.warn(`Worker ${this.id} was presumed dead and its deliveries were taken over; registering again`);
        await this.register();
      }
    } catch (err) {
      this.logger.warn(`Worker heartbeat failed: ${(err as Error).message}`);
      // A connection lost with a database restart: the next beat opens a new one.
      await this.runner?.release().catch(() => undefined);
      this.runner = undefined;
    }
  }

  /** Stops the heartbeat and deletes the worker, so rows it still holds are taken over at once. */
  async release(): Promise<void> {
    if (this.released) {
      return;
    }
    this.released = true;
    clearInterval(this.timer);
    await this.runner?.release().catch(() => undefined);
    if (this.registered) {
      await this.registered.catch(() => undefined);
      await this.dataSource
        .query(`DELETE FROM notification_workers WHERE id = $1`, [this.id])
        .catch((err: Error) => this.logger.warn(`Could not deregister worker ${this.id}: ${err.message}`));
    }
  }

  /** After every hook that could still send (DeliveryProcessor releases the lease itself once its sends settle). */
  async onApplicationShutdown() {
    this.released = true;
    clearInterval(this.timer);
    await this.runner?.release().catch(() => undefined);
  }
}
