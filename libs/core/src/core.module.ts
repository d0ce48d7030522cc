import { DynamicModule, Global, Module } from '@nestjs/common';

import { Clock } from './clock/clock';
import type { AppConfig } from './config/app-config';
import { APP_CONFIG, ConfigModule } from './config/config.module';
import { PasswordHasher } from './crypto/password-hasher';
import { SecretBox } from './crypto/secret-box';
import { DataExportParts } from './data-export/data-export.port';
import { DatabaseTarget } from './database/data-source-options';
import { DatabaseModule } from './database/database.module';
import { BackgroundTasks } from './lifecycle/background-tasks';
import { Lifecycle } from './lifecycle/lifecycle';
import { Metrics } from './metrics/metrics';
import { Links } from './links/links';
import { PersonalDataErasure } from './privacy/personal-data-erasure';
import { QueueModule } from './queue/queue.module';
import { MailCaps } from './rate-limit/mail-caps';
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
      providers: [
        Clock,
        PasswordHasher,
        SecretBox,
        SmsGateway,
        Links,
        Lifecycle,
        BackgroundTasks,
        MailCaps,
        DataExportParts,
        PersonalDataErasure,
        { provide: Metrics, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new Metrics(config.env !== 'test') },
      ],
      exports: [
        Clock,
        PasswordHasher,
        SecretBox,
        SmsGateway,
        Links,
        Lifecycle,
        Metrics,
        BackgroundTasks,
        MailCaps,
        DataExportParts,
        PersonalDataErasure,
      ],
    };
  }
}
