import { Logger } from '@nestjs/common';
import Bull, { Queue } from 'bull';

import { BulkJob, JobOptions, JobRegistry, QueueDriver } from './queue.types';

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

/** bull on Redis: shared by every API and worker instance. */
export class BullQueueDriver extends QueueDriver {
  readonly kind = 'bull' as const;
  private readonly logger = new Logger(BullQueueDriver.name);
  private readonly queues = new Map<string, Queue>();
  private processing = false;

  constructor(
    private readonly registry: JobRegistry,
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {
    super();
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Bull(name, this.redisUrl, {
        prefix: this.prefix,
        // A job whose worker died runs again once its lock expired: after 30 s, or sooner where
        // every job of the queue asks for it (the outbox claim tolerates a second run).
        settings: { lockDuration: this.lockMs(name), stalledInterval: 4000, maxStalledCount: 3 },
      });
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
    return q;
  }

  private lockMs(queue: string): number {
    const defs = this.registry.all().filter((d) => d.queue === queue);
    return defs.length > 0 && defs.every((d) => d.lockMs) ? Math.min(...defs.map((d) => d.lockMs as number)) : 30_000;
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
    if (this.processing) {
      return;
    }
    this.processing = true;
    for (const def of this.registry.all()) {
      const q = this.queue(def.queue);
      // process() settles when the queue closes; a close mid-fetch rejects it with "Connection is closed".
      q.process(def.name, def.concurrency, async (job) => {
        await def.handler(job.data, { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 });
      }).catch((err: Error) => this.logger.debug(`Queue ${def.queue} stopped: ${err.message}`));
    }
    for (const [name, q] of this.queues) {
      q.on('failed', (job, err) => {
        const def = this.registry.get(name, job.name);
        if (def?.onExhausted && job.attemptsMade >= (job.opts.attempts ?? 1)) {
          def.onExhausted(job.data, err).catch((e: Error) => this.logger.error(`Dead-letter hook failed: ${e.message}`));
        }
      });
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
    try {
      const q = this.queue('health');
      const res = await withTimeout(q.client.ping(), 1000, 'Redis ping');
      return res === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // A bull queue closed while its clients are still connecting rejects "Connection is closed"
    // from inside bull; let it finish connecting (or fail) first.
    await Promise.allSettled(
      [...this.queues.values()].map(async (q) => {
        await q.isReady().catch(() => undefined);
        await q.close();
      }),
    );
    this.queues.clear();
  }
}
