import { AccountsHttpModule, AccountsModule } from '@latchkey/accounts';
import { ApiKeysHttpModule, ApiKeysModule } from '@latchkey/api-keys';
import { AuditModule } from '@latchkey/audit';
import { ConnectedAccountsHttpModule, ConnectedAccountsModule } from '@latchkey/connected-accounts';
import { AuthHttpModule, AuthModule } from '@latchkey/auth';
import { CoreModule, CoreOptions, JobQueueModule, loadConfig } from '@latchkey/core';
import { EXPORTS_JOB_QUEUE, ExportsHttpModule, ExportsModule } from '@latchkey/exports';
import { MfaHttpModule, MfaModule } from '@latchkey/mfa';
import { NOTIFICATIONS_JOB_QUEUE, NotificationsHttpModule, NotificationsModule } from '@latchkey/notifications';
import { ServiceAccessHttpModule, ServiceAccessModule } from '@latchkey/service-access';
import { SessionsHttpModule, SessionsModule } from '@latchkey/sessions';
import { SupportHttpModule, SupportModule } from '@latchkey/support';
import { UsersHttpModule, UsersModule } from '@latchkey/users';
import { WebhooksApiModule, WebhooksModule } from '@latchkey/webhooks';
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
 * The libs' HTTP faces (routes, the global session guard, route guards): only the API loads
 * them; the worker and the CLI run the domain without them.
 */
export const HTTP_MODULES = [
  // First, as the API imported it before the split: the OpenAPI document keeps its order.
  WebhooksApiModule,
  ServiceAccessHttpModule,
  NotificationsHttpModule,
  UsersHttpModule,
  SessionsHttpModule,
  AuthHttpModule,
  MfaHttpModule,
  AccountsHttpModule,
  ApiKeysHttpModule,
  ConnectedAccountsHttpModule,
  SupportHttpModule,
  ExportsHttpModule,
];

/** Every lib's queue: bull's on Redis, in-process without. */
export const JOB_QUEUES = [NOTIFICATIONS_JOB_QUEUE, EXPORTS_JOB_QUEUE];

export interface PlatformOptions extends CoreOptions {
  /**
   * This process runs the queues' jobs (the worker; the API with `--with-worker`). On Redis, bull
   * starts the processors of a process built with them, and only there; without Redis every
   * process runs the jobs it adds, whatever this says.
   */
  processJobs?: boolean;
}

/**
 * The shared bootstrap of every process: settings, database, queue, logging (CoreModule) and the
 * domain, without any route or guard. Each app adds only its own face: the API the libs' HTTP
 * modules (HTTP_MODULES), filters and pipes; the worker and the CLI nothing.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions = {}): DynamicModule {
    // Read here (not only in ConfigModule) because whether the queues are bull's decides which modules load.
    const config = options.config ?? loadConfig();
    const mode = { redis: !!config.redis.url, processJobs: options.processJobs ?? false };
    return {
      module: PlatformModule,
      imports: [
        CoreModule.forRoot({ config, database: options.database }),
        ...DOMAIN_MODULES,
        ...JOB_QUEUES.map((queue) => JobQueueModule.register(queue, mode)),
      ],
    };
  }
}
