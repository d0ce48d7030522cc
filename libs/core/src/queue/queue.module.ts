import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';

import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BullQueueDriver } from './bull.driver';
import { InProcessQueueDriver } from './in-process.driver';
import { JobRegistry, QueueDriver } from './queue.types';

@Global()
@Module({
  providers: [
    JobRegistry,
    {
      provide: QueueDriver,
      inject: [JobRegistry, APP_CONFIG],
      useFactory: (registry: JobRegistry, config: AppConfig) =>
        config.redis.url
          ? new BullQueueDriver(registry, config.redis.url, config.redis.prefix)
          : new InProcessQueueDriver(registry, config.env === 'test' ? 200 : 60_000),
    },
  ],
  exports: [JobRegistry, QueueDriver],
})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(QueueDriver) private readonly driver: QueueDriver) {}

  async onApplicationShutdown() {
    await this.driver.close();
  }
}
