import { AuditModule } from '@latchkey/audit';
import { CoreModule, CoreOptions } from '@latchkey/core';
import { NotificationsModule } from '@latchkey/notifications';
import { DynamicModule, Module } from '@nestjs/common';

/** The queue side only: no HTTP. Several workers share the queues and the outbox. */
@Module({})
export class WorkerModule {
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return { module: WorkerModule, imports: [CoreModule.forRoot(options), AuditModule, NotificationsModule] };
  }
}
