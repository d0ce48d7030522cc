import { AccountsModule } from '@latchkey/accounts';
import { ApiKeysModule } from '@latchkey/api-keys';
import { AuditModule } from '@latchkey/audit';
import { AuthModule } from '@latchkey/auth';
import { CoreModule, CoreOptions, ProblemFilter, createValidationPipe } from '@latchkey/core';
import { ExportsModule } from '@latchkey/exports';
import { MfaModule } from '@latchkey/mfa';
import { NotificationsModule } from '@latchkey/notifications';
import { ServiceAccessModule } from '@latchkey/service-access';
import { SessionsModule } from '@latchkey/sessions';
import { SupportModule } from '@latchkey/support';
import { UsersModule } from '@latchkey/users';
import { WebhooksApiModule, WebhooksModule } from '@latchkey/webhooks';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';

import { HealthController } from './health.controller';

@Module({})
export class AppModule {
  /** Options let tests point one app at its own database and settings. */
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        AuditModule,
        ServiceAccessModule,
        NotificationsModule,
        UsersModule,
        SessionsModule,
        AuthModule,
        MfaModule,
        AccountsModule,
        ApiKeysModule,
        SupportModule,
        ExportsModule,
        WebhooksModule,
        WebhooksApiModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
