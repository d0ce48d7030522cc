import { DeletionSweepModule } from '@latchkey/accounts';
import { AuditModule } from '@latchkey/audit';
import { CoreModule, CoreOptions, StaffGate, coreError } from '@latchkey/core';
import { NotificationsModule } from '@latchkey/notifications';
import { SupportErasureModule } from '@latchkey/support';
import { DynamicModule, Global, Module } from '@nestjs/common';

/** The worker serves no HTTP: its staff gate refuses everyone (the API's comes from the auth lib). */
class NoStaffGate extends StaffGate {
  async assertStaff(): Promise<void> {
    throw coreError('NOT_FOUND', 'Not found.');
  }
}

@Global()
@Module({ providers: [{ provide: StaffGate, useClass: NoStaffGate }], exports: [StaffGate] })
class WorkerStaffGateModule {}

/**
 * The queue side only: no HTTP. Several workers share the queues, the outbox and the deletion
 * sweep (with the erasure parts of the libs whose tables it cleans).
 */
@Module({})
export class WorkerModule {
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        CoreModule.forRoot(options),
        WorkerStaffGateModule,
        AuditModule,
        NotificationsModule,
        DeletionSweepModule,
        SupportErasureModule,
      ],
    };
  }
}
