import { AccountsModule } from '@latchkey/accounts';
import { MfaModule } from '@latchkey/mfa';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AdminUsersController } from './admin-users.controller';
import { SupportErasureModule } from './support-erasure.module';
import { SupportTicket, SupportTicketCheck, SupportTicketEvent } from './entities';
import { StaffUsersService } from './staff-users.service';
import { SupportTicketsExportPart } from './support-export.part';
import { DEFAULT_SUPPORT_OPTIONS, SUPPORT_OPTIONS } from './support.constants';
import { SupportController } from './support.controller';
import { SupportResetSignInStep } from './support-reset.step';
import { SupportTicketsRepository } from './support-tickets.repository';
import { SupportMetrics } from './support-metrics';
import { SupportTicketsService } from './support-tickets.service';

@Module({
  imports: [
    SupportErasureModule,
    MfaModule,
    AccountsModule,
    TypeOrmModule.forFeature([SupportTicket, SupportTicketCheck, SupportTicketEvent]),
  ],
  providers: [
    { provide: SUPPORT_OPTIONS, useValue: DEFAULT_SUPPORT_OPTIONS },
    StaffUsersService,
    SupportResetSignInStep,
    SupportTicketsRepository,
    SupportTicketsService,
    SupportMetrics,
    SupportTicketsExportPart,
  ],
  exports: [SupportTicketsService, SupportTicketsRepository, StaffUsersService],
})
export class SupportModule {}

/** The support desk's routes, for the API only (StaffGuard reads the staff's factors). */
@Module({
  imports: [SupportModule, MfaModule],
  controllers: [SupportController, AdminUsersController],
})
export class SupportHttpModule {}
