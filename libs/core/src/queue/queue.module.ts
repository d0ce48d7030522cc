import { BullModule, getQueueToken } from '@nestjs/bull';
import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Queue } from 'bull';

import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BullQueueDriver } from './bull.driver';
import { InProcessQueueDriver } from './in-process.driver';
import { JobProcessors } from './job-processors';
import { JobQueueDefinition, QueueDriver } from './queue.types';

/**
 * The queue driver: bull on Redis when REDIS_URL is set (BullModule's shared settings: the URL and
 * the key prefix), in-process otherwise. The queues themselves are the libs' (JobQueueModule).
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    // Only settings: BullModule connects nothing until a queue is registered (on Redis only).
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ url: config.redis.url, prefix: config.redis.prefix }),
    }),
  ],
  providers: [
    JobProcessors,
    {
      provide: QueueDriver,
      inject: [JobProcessors, APP_CONFIG],
      useFactory: (processors: JobProcessors, config: AppConfig) =>
        config.redis.url ? new BullQueueDriver() : new InProcessQueueDriver(processors, config.env === 'test' ? 200 : 60_000),
    },
  ],
  exports: [QueueDriver, JobProcessors],
})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(QueueDriver) private readonly driver: QueueDriver) {}

  async onApplicationShutdown() {
    await this.driver.close();
  }
}

export interface JobQueueMode {
  /** REDIS_URL is set: the queue is bull's. */
  redis: boolean;
  /** This process runs the jobs (worker, `npm start`, `--with-worker`). Without Redis it always does. */
  processJobs: boolean;
}

/**
 * One lib's queue. On Redis: BullModule.registerQueue with the lib's lock duration, and its
 * `@Processor` classes where this process runs jobs (@nestjs/bull's explorer starts them). Without
 * Redis: the processors, run by the in-process driver.
 */
@Module({})
export class JobQueueModule {
  static register(def: JobQueueDefinition, mode: JobQueueMode): DynamicModule {
    const processed = !mode.redis || mode.processJobs;
    const attach = `JobQueue(${def.name})`;
    return {
      module: JobQueueModule,
      imports: [
        ...(def.imports ?? []),
        ...(mode.redis
          ? [
              BullModule.registerQueue({
                name: def.name,
                // A job whose worker died runs again once its lock expired: after 30 s, or sooner
                // where the lib asks for it (its handlers tolerate a second run).
                settings: { lockDuration: def.lockMs ?? 30_000, stalledInterval: 4000, maxStalledCount: 3 },
              }),
            ]
          : []),
      ],
      providers: [
        ...(processed ? def.processors : []),
        ...(mode.redis
          ? [
              {
                provide: attach,
                inject: [QueueDriver, getQueueToken(def.name)],
                useFactory: (driver: QueueDriver, queue: Queue) => {
                  (driver as BullQueueDriver).attach(def.name, queue, processed);
                  return def.name;
                },
              },
            ]
          : []),
      ],
    };
  }
}
