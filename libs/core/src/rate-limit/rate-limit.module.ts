import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';

import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FallbackRateLimitStore, PostgresRateLimitStore, RateLimitStore, RedisRateLimitStore } from './rate-limit.store';

@Global()
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [APP_CONFIG, DataSource],
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        config.redis.url
          ? new FallbackRateLimitStore(
              new RedisRateLimitStore(
                new Redis(config.redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000 }).on(
                  'error',
                  () => undefined,
                ),
                config.redis.prefix,
              ),
              new PostgresRateLimitStore(dataSource),
              (err) =>
                new Logger(RateLimitModule.name).warn(`Redis unreachable (${err.message}): rate limits use PostgreSQL until it is back`),
            )
          : new PostgresRateLimitStore(dataSource),
    },
  ],
  exports: [RateLimitStore],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(RateLimitStore) private readonly store: RateLimitStore) {}

  async onApplicationShutdown() {
    await this.store.close();
  }
}
