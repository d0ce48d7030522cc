import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/**
 * Work that runs after the answer has gone, so an answer cannot reveal what the work found
 * (whether an address has an account). Each task runs in its own transaction and writes what it
 * must deliver to the outbox, which survives a restart from then on; a failure is logged, never
 * thrown at the caller. Shutdown waits for the tasks in flight, so a rolling restart loses none;
 * a crash in the few milliseconds before a task commits loses that one mail, as a dropped
 * request would (the user asks again).
 */
@Injectable()
export class BackgroundTasks implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BackgroundTasks.name);
  private readonly inFlight = new Set<Promise<void>>();

  /** Starts `task` on the next turn of the event loop; the request's context (request id) goes with it. */
  run(name: string, task: () => Promise<unknown>): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .then(
        () => undefined,
        (err: Error) => this.logger.error(`Background task ${name} failed: ${err.message}`),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves once no task is running (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }
}
