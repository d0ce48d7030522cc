import { Logger } from '@nestjs/common';
import Bull, { Queue } from 'bull';

import { BulkJob, JobOptions, QueueDriver } from './queue.types';

const ADD_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

function bullOptions(opts: JobOptions): Bull.JobOptions {
  return {
    jobId: opts.jobId,
    attempts: opts.attempts ?? 1,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
    removeOnComplete: 1000,
    removeOnFail: 5000,
  };
}

/**
 * bull on Redis, shared by every API and worker instance. The queues are @nestjs/bull's
 * (BullModule.registerQueue, one per lib: JobQueueModule) and attach themselves here; bull runs
 * their `@Processor` classes in the processes built with them (PlatformModule's `processJobs`).
 */
export class BullQueueDriver extends QueueDriver {
  readonly kind = 'bull' as const;
  private readonly logger = new Logger(BullQueueDriver.name);
  private readonly queues = new Map<string, Queue>();
  private processors = false;

  /** A lib's queue, as BullModule built it; `processed` when this process registered its processors. */
  attach(name: string, q: Queue, processed: boolean): void {
    this.processors ||= processed;
    if (this.queues.has(name)) {
      return;
    }
    q.on('error', (err) => this.logger.warn(`Queue ${name}: ${err.message}`));
    let lost = false;
    q.client.on('close', () => (lost = true));
    q.client.on('ready', () => {
      if (lost) {
        lost = false;
        this.logger.warn(`Queue ${name}: Redis is back`);
        this.reconnected();
      }
    });
    this.queues.set(name, q);
  }

  queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) {
      throw new Error(`No queue ${name} is registered`);
    }
    return q;
  }

  async add(queue: string, name: string, data: unknown, opts: JobOptions = {}): Promise<void> {
    await withTimeout(this.queue(queue).add(name, data, bullOptions(opts)), ADD_TIMEOUT_MS, `Adding ${queue}:${name}`);
  }

  async addBulk(queue: string, jobs: BulkJob[]): Promise<void> {
    if (jobs.length === 0) {
      return;
    }
    await withTimeout(
      this.queue(queue).addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: bullOptions(j.opts ?? {}) }))),
      ADD_TIMEOUT_MS,
      `Adding ${jobs.length} job(s) to ${queue}`,
    );
  }

  async startProcessing(): Promise<void> {
    if (!this.processors) {
      throw new Error(
        'This process was built without the job processors (PlatformModule.forRoot({ processJobs: false })): build it with processJobs to run jobs',
      );
    }
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let busy = 0;
      for (const q of this.queues.values()) {
        const c = await q.getJobCounts();
        busy += c.waiting + c.active + c.delayed;
      }
      if (busy === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`Queues did not drain within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async ping(): Promise<boolean> {
    const q = this.queues.values().next().value;
    if (!q) {
      return false;
    }
    try {
      const res = await withTimeout(q.client.ping(), 1000, 'Redis ping');
      return res === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // A bull queue closed while its clients are still connecting rejects "Connection is closed"
    // from inside bull; let it finish connecting (or fail) first. (BullModule closes each queue
    // again at shutdown: a second close is a no-op.)
    await Promise.allSettled(
      [...this.queues.values()].map(async (q) => {
        await q.isReady().catch(() => undefined);
        await q.close();
      }),
    );
  }
}
