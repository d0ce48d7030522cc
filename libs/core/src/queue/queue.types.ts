import type { ModuleMetadata, Type } from '@nestjs/common';

export interface JobOptions {
  /** A job id the queue deduplicates on: adding the same id twice runs it once. */
  jobId?: string;
  attempts?: number;
  /** First retry delay; doubles each attempt. */
  backoffMs?: number;
}

export interface BulkJob {
  name: string;
  data: unknown;
  opts?: JobOptions;
}

/**
 * A lib's queue: its name, the `@Processor` classes (of @nestjs/bull) that run its jobs, and what
 * they need. On Redis it is registered with BullModule and bull runs the processors; without Redis
 * the in-process driver runs the same processors (JobProcessors finds them by the same metadata).
 */
export interface JobQueueDefinition {
  name: string;
  /** Classes decorated with `@Processor(name)`, their methods with `@Process` and `@OnQueueFailed`. */
  processors: Type[];
  /** Modules whose exports the processors inject. */
  imports?: ModuleMetadata['imports'];
  /**
   * bull: how long a job's lock outlives its worker before another runs it again (default 30 s).
   * Shorter only for queues whose handlers tolerate a second run while the first is still going.
   */
  lockMs?: number;
}

export abstract class QueueDriver {
  abstract readonly kind: 'bull' | 'in-process';
  abstract add(queue: string, name: string, data: unknown, opts?: JobOptions): Promise<void>;
  /** Many jobs in one round trip (bull: one MULTI); all or none are added. */
  abstract addBulk(queue: string, jobs: BulkJob[]): Promise<void>;
  /**
   * Checks that this process runs the queues' processors (the worker, `npm start`, `--with-worker`).
   * On Redis, bull runs them from the start of a process built with them (PlatformModule's
   * `processJobs`); in-process, jobs run where they are added.
   */
  abstract startProcessing(): Promise<void>;
  /** Resolves once nothing is waiting or running (tests; graceful shutdown). */
  abstract drain(timeoutMs?: number): Promise<void>;
  abstract ping(): Promise<boolean>;
  abstract close(): Promise<void>;

  private readonly reconnectListeners = new Set<() => void>();

  /** Called when the queue's backend came back after an outage (jobs it held may be gone). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  protected reconnected(): void {
    for (const l of this.reconnectListeners) {
      l();
    }
  }
}
