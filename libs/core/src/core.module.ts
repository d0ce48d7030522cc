import { DynamicModule, Global, Module } from '@nestjs/common';

import { Clock } from './clock/clock';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { PasswordHasher } from './crypto/password-hasher';
import { SecretBox } from './crypto/secret-box';
import { DatabaseTarget } from './database/data-source-options';
import { DatabaseModule } from './database/database.module';
import { Links } from './links/links';
import { QueueModule } from './queue/queue.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SmsGateway } from './sms/sms-gateway';

export interface CoreOptions {
  config?: AppConfig;
  database?: DatabaseTarget;
}

/** Settings, database, queue, rate limits, clock, crypto and emailed links: what every other lib stands on. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return {
      module: CoreModule,
      imports: [ConfigModule.forRoot(options.config), DatabaseModule.forRoot(options.database), QueueModule, RateLimitModule],
      providers: [Clock, PasswordHasher, SecretBox, SmsGateway, Links],
      exports: [Clock, PasswordHasher, SecretBox, SmsGateway, Links],
    };
  }
}
