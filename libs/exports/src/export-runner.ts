import { Readable } from 'node:stream';

import { Clock, DataExportParts, QueueDriver, SecretBox } from '@latchkey/core';
import { NotificationsService, RecipientDirectory } from '@latchkey/notifications';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DataExportRow, DataExportsRepository } from './data-exports.repository';
import { ExportEncryptor } from './export-cipher';
import { ExportStorage } from './export-storage';
import { ExportZip } from './export-zip';
import {
  EXPORTS_QUEUE,
  EXPORT_HEARTBEAT_MS,
  EXPORT_LEASE_MS,
  EXPORT_MAX_ATTEMPTS,
  EXPORT_QUEUE_LEASE_MS,
  EXPORT_RETENTION_MS,
  EXPORT_RETRY_BACKOFF_MS,
  EXPORT_SWEEP_INTERVAL_MS,
  REQUIRED_EXPORT_AREAS,
  RUN_EXPORT_JOB,
  exportJobId,
} from './exports.constants';

export interface RunExportJob {
  exportId: string;
  generation: number;
}

/** Another run took the export over (this one's lease ran out): stop without touching it. */
class Superseded extends Error {
  constructor() {
    super('Another run took this export over');
  }
}

class WorkerStopping extends Error {
  constructor() {
    super('Worker is stopping; the export goes back to the queue');
  }
}

interface Run {
  id: string;
  generation: number;
  stop?: Error;
}

export function exportStorageKey(id: string, generation: number): string {
  return `${id}.${generation}.zip.enc`;
}

/**
 * Runs export jobs (ExportQueueProcessor: in the worker, or in-process with the embedded default) and sweeps.
 *
 * A run claims its generation of the export, holds a lease it renews while writing, and marks the
 * export ready and notifies in one transaction, conditional on still owning that generation. A
 * worker killed mid-export stops renewing; the sweep (every worker, every 15 s, and at start)
 * queues the export again under a new generation, which starts over (a zip cannot be resumed
 * halfway) and writes its own file. So at most one run marks it ready, and the notification's
 * idempotency key (the export id) makes "ready" reach the user once, by mail and in-app. The
 * progress shown never goes backwards: a restart shows the furthest point reached until it passes it.
 */
@Injectable()
export class ExportRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExportRunner.name);
  private readonly runs = new Map<Promise<void>, Run>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly queue: QueueDriver,
    private readonly repo: DataExportsRepository,
    private readonly parts: DataExportParts,
    private readonly storage: ExportStorage,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly directory: RecipientDirectory,
  ) {}

  /** An export without one of the libs' parts would look complete and miss data: refuse to start instead. */
  onApplicationBootstrap() {
    const missing = REQUIRED_EXPORT_AREAS.filter((area) => !this.parts.all().some((p) => p.area === area));
    if (missing.length > 0) {
      throw new Error(
        `Refusing to start: data export part(s) ${missing.join(', ')} not registered (is every lib's module imported?). ` +
          'An export without them would silently leave that data out.',
      );
    }
  }

  async enqueue(id: string, generation: number): Promise<void> {
    await this.queue.add(EXPORTS_QUEUE, RUN_EXPORT_JOB, { exportId: id, generation } satisfies RunExportJob, {
      jobId: exportJobId(id, generation),
    });
  }

  /** Starts the periodic sweep in this process (the worker, or `npm start`); the first one runs now. */
  start(intervalMs = EXPORT_SWEEP_INTERVAL_MS): void {
    if (this.timer || this.stopping) {
      return;
    }
    const tick = () => {
      this.sweepOnce()
        .catch((err: Error) => this.logger.warn(`Export sweep: ${err.message}`))
        .finally(() => {
          if (!this.stopping) {
            this.timer = setTimeout(tick, intervalMs);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  /** One sweep: restart dead runs, re-queue lost jobs, delete files past retention and of deleted users. */
  async sweepOnce(): Promise<void> {
    this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const dead of await this.repo.failExhausted(now, EXPORT_MAX_ATTEMPTS)) {
      this.logger.error(`Export ${dead.id} failed: it stopped ${EXPORT_MAX_ATTEMPTS} times`);
      await this.removeRunFiles(dead.id, dead.generation);
    }
    const due = await this.repo.requeueDue(now, new Date(now.getTime() + EXPORT_QUEUE_LEASE_MS), EXPORT_MAX_ATTEMPTS);
    for (const job of due) {
      await this.enqueue(job.id, job.generation).catch((err: Error) =>
        this.logger.warn(`Export ${job.id} stays queued, the queue refused it: ${err.message}`),
      );
    }
    for (const file of await this.repo.expiredFiles(now)) {
      if (file.storageKey) {
        await this.storage.remove(file.storageKey);
      }
      await this.repo.markExpired(file.id);
    }
    for (const orphan of await this.repo.orphans()) {
      await this.removeRunFiles(orphan.id, orphan.generation);
      await this.repo.delete(orphan.id);
    }
  }

  /** Every file any run of the export may have left (one per generation). */
  private async removeRunFiles(id: string, generation: number): Promise<void> {
    for (let g = 1; g <= generation; g++) {
      await this.storage.remove(exportStorageKey(id, g));
    }
  }

  async run(id: string, generation: number): Promise<void> {
    if (this.stopping) {
      return;
    }
    const now = this.clock.now();
    const row = await this.repo.claim(id, generation, now, new Date(now.getTime() + EXPORT_LEASE_MS));
    if (!row) {
      return;
    }
    const run: Run = { id, generation };
    const p = this.execute(row, run);
    this.runs.set(p, run);
    try {
      await p;
    } finally {
      this.runs.delete(p);
    }
  }

  private async execute(row: DataExportRow, run: Run): Promise<void> {
    const key = exportStorageKey(row.id, row.generation);
    const heartbeat = setInterval(() => void this.beat(run), EXPORT_HEARTBEAT_MS);
    heartbeat.unref();
    try {
      // Files of earlier runs (a crash, an error) are of no use now.
      for (let g = 1; g < row.generation; g++) {
        await this.storage.remove(exportStorageKey(row.id, g));
      }
      const size = await this.writeFile(row, run, key);
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + EXPORT_RETENTION_MS);
      const marked = await this.dataSource.transaction(async (m) => {
        const ready = await this.repo.markReady(row.id, row.generation, { key, size }, now, expiresAt, m);
        if (!ready) {
          return false;
        }
        const user = await this.directory.findUser(ready.userId, m);
        if (user) {
          await this.notifications.notify(
            {
              event: 'privacy.data_export_ready',
              to: { userId: user.id, email: user.email, name: user.name, locale: user.locale },
              data: { expiresAt: expiresAt.toUTCString() },
              idempotencyKey: `data-export:${row.id}`,
            },
            m,
          );
        }
        return true;
      });
      if (!marked) {
        throw new Superseded();
      }
    } catch (err) {
      await this.storage.remove(key).catch(() => undefined);
      if (err instanceof Superseded) {
        this.logger.warn(`Export ${row.id}: run ${row.generation} was taken over; it stopped`);
        return;
      }
      if (err instanceof WorkerStopping) {
        await this.repo.handBack(row.id, row.generation);
        return;
      }
      const again = row.attempts < EXPORT_MAX_ATTEMPTS;
      this.logger.error(`Export ${row.id} failed (attempt ${row.attempts}${again ? ', will retry' : ''}): ${(err as Error).message}`);
      const now = this.clock.now();
      await this.repo.releaseAfterError(
        row.id,
        row.generation,
        (err as Error).message,
        again ? new Date(now.getTime() + EXPORT_RETRY_BACKOFF_MS * 2 ** (row.attempts - 1)) : null,
        now,
      );
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Writes every part into the encrypted zip; resolves to the stored size of the plain zip. */
  private async writeFile(row: DataExportRow, run: Run, key: string): Promise<number> {
    const userId = row.userId!;
    const parts = this.parts.all();
    const counts = await Promise.all(parts.map((p) => p.count(userId)));
    // One step per row, plus one per part so an empty part moves the bar too.
    const total = counts.reduce((a, b) => a + b, 0) + parts.length;
    let done = 0;
    let shown = 0;
    let stage = '';
    const report = async (force = false) => {
      if (run.stop) {
        throw run.stop;
      }
      const percent = Math.min(99, Math.floor((done / total) * 100));
      if (percent > shown || force) {
        shown = Math.max(shown, percent);
        const now = this.clock.nowMs();
        if (!(await this.repo.heartbeat(run.id, run.generation, new Date(now + EXPORT_LEASE_MS), shown, stage))) {
          throw (run.stop = new Superseded());
        }
      }
    };
    const zip = new ExportZip(async () => {
      done++;
      await report();
    }, this.clock.now());
    const encryptor = new ExportEncryptor(this.secrets, row.id);
    zip.output.on('error', (err: Error) => encryptor.destroy(err));
    const saved = this.storage.save(key, (zip.output as Readable).pipe(encryptor));
    saved.catch(() => undefined);
    try {
      for (const part of parts) {
        stage = part.area;
        await report(true);
        await part.write(userId, zip);
        done++;
        await report();
      }
      zip.end();
      await saved;
    } catch (err) {
      encryptor.destroy(err as Error);
      await saved.catch(() => undefined);
      throw err;
    }
    return encryptor.plainBytes;
  }

  private async beat(run: Run): Promise<void> {
    if (run.stop) {
      return;
    }
    const ok = await this.repo.heartbeat(run.id, run.generation, new Date(this.clock.nowMs() + EXPORT_LEASE_MS)).catch((err: Error) => {
      this.logger.warn(`Could not renew the lease of export ${run.id}: ${err.message}`);
      return true;
    });
    if (!ok) {
      run.stop = new Superseded();
    }
  }

  /** Stops the sweep; runs in progress stop at their next row and go back to the queue for another worker. */
  async beforeApplicationShutdown() {
    this.stopping = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    for (const run of this.runs.values()) {
      run.stop ??= new WorkerStopping();
    }
    await Promise.allSettled([...this.runs.keys()]);
    await this.sweeping?.catch(() => undefined);
  }
}
