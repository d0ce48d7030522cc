import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Job } from 'bull';

/**
 * The metadata keys @nestjs/bull's decorators write (`@Processor`, `@Process`, `@OnQueueEvent`);
 * the package does not export them. job-processors.spec.ts fails if a release renames them.
 */
export const BULL_QUEUE_METADATA = 'bull:module_queue';
export const BULL_PROCESS_METADATA = 'bull:module_queue_process';
export const BULL_EVENT_METADATA = 'bull:module_on_queue_event';

export type JobHandlerFn = (job: Job) => Promise<unknown>;
export type FailedListenerFn = (job: Job, error: Error) => unknown;

export interface QueueHandlers {
  /** Job name to its handler; bull's unnamed `@Process()` is '*'. */
  process: Map<string, { handler: JobHandlerFn; concurrency: number }>;
  failed: FailedListenerFn[];
}

/**
 * Finds the `@Processor` classes of this process and their `@Process` and `@OnQueueFailed`
 * methods, as @nestjs/bull's explorer does for bull, so the in-process driver runs the very same
 * handlers.
 */
@Injectable()
export class JobProcessors {
  private found?: Map<string, QueueHandlers>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** Every queue with a processor in this process (read once, after the module graph is built). */
  all(): Map<string, QueueHandlers> {
    this.found ??= this.discover();
    return this.found;
  }

  get(queue: string): QueueHandlers | undefined {
    return this.all().get(queue);
  }

  private discover(): Map<string, QueueHandlers> {
    const queues = new Map<string, QueueHandlers>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = !wrapper.metatype || wrapper.inject ? wrapper.instance?.constructor : wrapper.metatype;
      const meta = type ? this.reflector.get<{ name?: string } | undefined>(BULL_QUEUE_METADATA, type) : undefined;
      const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown> | undefined;
      if (!meta || !instance) {
        continue;
      }
      const name = meta.name ?? 'default';
      const handlers: QueueHandlers = queues.get(name) ?? { process: new Map(), failed: [] };
      queues.set(name, handlers);
      for (const key of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const method = instance[key];
        const process = this.reflector.get<{ name?: string; concurrency?: number } | undefined>(BULL_PROCESS_METADATA, method);
        if (process) {
          handlers.process.set(process.name ?? '*', {
            handler: method.bind(instance) as JobHandlerFn,
            concurrency: process.concurrency ?? 1,
          });
        }
        const event = this.reflector.get<{ eventName?: string; name?: string } | undefined>(BULL_EVENT_METADATA, method);
        if (event?.eventName === 'failed' && !event.name) {
          handlers.failed.push(method.bind(instance) as FailedListenerFn);
        }
      }
    }
    return queues;
  }
}
