import { AccountsModule, DeletionSweepModule } from '@latchkey/accounts';
import { ApiKeysModule } from '@latchkey/api-keys';
import { AuditModule } from '@latchkey/audit';
import { AuthModule } from '@latchkey/auth';
import { CoreModule, CoreOptions } from '@latchkey/core';
import { ExportsModule } from '@latchkey/exports';
import { MfaModule } from '@latchkey/mfa';
import { NotificationsModule } from '@latchkey/notifications';
import { ServiceAccessModule } from '@latchkey/service-access';
import { SessionsModule } from '@latchkey/sessions';
import { SupportErasureModule, SupportModule } from '@latchkey/support';
import { UsersModule } from '@latchkey/users';
import { WebhooksModule } from '@latchkey/webhooks';
import { DynamicModule, Module } from '@nestjs/common';

/**
 * The queue side only: no HTTP. Several workers share the queues and the outbox. It loads every
 * lib, as the API does, because data exports write each lib's part (and a lib left out here would
 * silently drop its part from every export: the export module refuses to start without them).
 * With the auth lib comes its staff gate (the worker serves no staff routes; the gate is the same).
 */
@Module({})
export class WorkerModule {
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
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
        DeletionSweepModule,
        SupportErasureModule,
      ],
    };
  }
}
