import { Logger } from '@nestjs/common';
import type { Job } from 'bull';

import { JobProcessors } from './job-processors';
import { BulkJob, JobOptions, QueueDriver } from './queue.types';

/**
 * The "sync" driver for the embedded default: jobs run in this process right after they are
 * added, by the same `@Processor` classes bull runs on Redis, with the same retries and backoff,
 * so no Redis is needed to try Latchkey.
 */
export class InProcessQueueDriver extends QueueDriver {
  readonly kind = 'in-process' as const;
  private readonly logger = new Logger(InProcessQueueDriver.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly seen = new Set<string>();
  private closed = false;
  private nextId = 1;

  constructor(
    private readonly processors: JobProcessors,
    private readonly maxBackoffMs = 60_000,
  ) {
    super();
  }

  private handlerFor(queue: string, name: string) {
    const handlers = this.processors.get(queue);
    return handlers?.process.get(name) ?? handlers?.process.get('*');
  }

  async add(queue: string, name: string, data: unknown, opts: JobOptions = {}): Promise<void> {
    const process = this.handlerFor(queue, name);
    if (!process) {
      throw new Error(`No handler for job ${queue}:${name}`);
    }
    if (opts.jobId) {
      const key = `${queue}:${opts.jobId}`;
      if (this.seen.has(key)) {
        return;
      }
      this.seen.add(key);
    }
    const attempts = opts.attempts ?? 1;
    // What a bull job shows its handler and its 'failed' listeners.
    const job = {
      id: opts.jobId ?? String(this.nextId++),
      name,
      data,
      attemptsMade: 0,
      opts: { jobId: opts.jobId, attempts, backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 } },
      queue: { name: queue },
    } as unknown as Job;
    const run = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
        try {
          job.attemptsMade = attempt - 1;
          await process.handler(job);
          return;
        } catch (err) {
          job.attemptsMade = attempt;
          for (const listener of this.processors.get(queue)?.failed ?? []) {
            await Promise.resolve(listener(job, err as Error)).catch((e: Error) =>
              this.logger.error(`Job ${queue}:${name} 'failed' listener: ${e.message}`),
            );
          }
          if (attempt === attempts) {
            this.logger.warn(`Job ${queue}:${name} failed after ${attempts} attempt(s): ${(err as Error).message}`);
            return;
          }
          const delay = Math.min((opts.backoffMs ?? 1000) * 2 ** (attempt - 1), this.maxBackoffMs);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    };
    const p = run().finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async addBulk(queue: string, jobs: BulkJob[]): Promise<void> {
    if (jobs.some((j) => !this.handlerFor(queue, j.name))) {
      throw new Error(`No handler for a job of ${queue}`);
    }
    for (const j of jobs) {
      await this.add(queue, j.name, j.data, j.opts);
    }
  }

  async startProcessing(): Promise<void> {
    // Jobs already run where they are added.
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      if (Date.now() > deadline) {
        throw new Error(`Queue did not drain within ${timeoutMs} ms`);
      }
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 50))]);
    }
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }
}
