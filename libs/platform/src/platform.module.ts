import { AccountsModule } from '@latchkey/accounts';
import { ApiKeysModule } from '@latchkey/api-keys';
import { AuditModule } from '@latchkey/audit';
import { ConnectedAccountsModule } from '@latchkey/connected-accounts';
import { AuthModule } from '@latchkey/auth';
import { CoreModule, CoreOptions } from '@latchkey/core';
import { ExportsModule } from '@latchkey/exports';
import { MfaModule } from '@latchkey/mfa';
import { NotificationsModule } from '@latchkey/notifications';
import { ServiceAccessModule } from '@latchkey/service-access';
import { SessionsModule } from '@latchkey/sessions';
import { SupportModule } from '@latchkey/support';
import { UsersModule } from '@latchkey/users';
import { WebhooksModule } from '@latchkey/webhooks';
import { DynamicModule, Module } from '@nestjs/common';

/**
 * Every domain lib, listed once. The API, the worker and the CLI all load this list, so a lib
 * cannot be present in one process and missing in another: data exports and erasure run in the
 * worker and need every lib's part (the exports module refuses to start without them), and the
 * CLI's commands use the same services as the API.
 */
export const DOMAIN_MODULES = [
  AuditModule,
  ServiceAccessModule,
  NotificationsModule,
  UsersModule,
  SessionsModule,
  AuthModule,
  MfaModule,
  AccountsModule,
  ApiKeysModule,
  ConnectedAccountsModule,
  SupportModule,
  ExportsModule,
  WebhooksModule,
];

/**
 * The shared bootstrap of every process: settings, database, queue, logging (CoreModule) and the
 * domain. Each app adds only its own face: the API its HTTP-only modules, filters and pipes; the
 * worker and the CLI nothing.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return { module: PlatformModule, imports: [CoreModule.forRoot(options), ...DOMAIN_MODULES] };
  }
}
