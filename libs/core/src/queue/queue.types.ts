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

export interface JobContext {
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<T = unknown> = (data: T, ctx: JobContext) => Promise<void>;

export interface JobDefinition<T = unknown> {
  queue: string;
  name: string;
  handler: JobHandler<T>;
  concurrency: number;
  /**
   * bull: how long a job's lock outlives its worker before another runs it again (default 30 s).
   * Shorter only for handlers that tolerate a second run while the first is still going.
   */
  lockMs?: number;
  /** Called once when the last attempt failed (dead letter). */
  onExhausted?: (data: T, error: Error) => Promise<void>;
}

/** Where a lib's job handlers are declared; a queue driver runs them. */
export class JobRegistry {
  private readonly definitions = new Map<string, JobDefinition>();

  define<T>(def: Omit<JobDefinition<T>, 'concurrency'> & { concurrency?: number }): void {
    this.definitions.set(`${def.queue}:${def.name}`, { concurrency: 1, ...def } as JobDefinition);
  }

  get(queue: string, name: string): JobDefinition | undefined {
    return this.definitions.get(`${queue}:${name}`);
  }

  all(): JobDefinition[] {
    return [...this.definitions.values()];
  }
}

export abstract class QueueDriver {
  abstract readonly kind: 'bull' | 'in-process';
  abstract add(queue: string, name: string, data: unknown, opts?: JobOptions): Promise<void>;
  /** Many jobs in one round trip (bull: one MULTI); all or none are added. */
  abstract addBulk(queue: string, jobs: BulkJob[]): Promise<void>;
  /** Starts consuming the registered jobs in this process (the worker, or `npm start`). */
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
