import { AuditEntry } from '@latchkey/audit';
import { AuthModule } from '@latchkey/auth';
import { MfaModule } from '@latchkey/mfa';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AcceptInvitationUseCase } from './accept-invitation.use-case';
import { AccountDeletionService } from './account-deletion.service';
import { AccountAuditService } from './account-audit.service';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { DeletionSweepModule } from './deletion-sweep.module';
import { Account, Invitation, Membership } from './entities';
import { AccountRoleGuard } from './guards/account-role.guard';
import { InvitationsService } from './invitations.service';
import { MeAccountsController } from './me-accounts.controller';
import { MembersService } from './members.service';
import { Require2faSignInStep } from './require-2fa.step';

@Module({
  imports: [AuthModule, MfaModule, DeletionSweepModule, TypeOrmModule.forFeature([Account, Membership, Invitation, AuditEntry])],
  controllers: [AccountsController, MeAccountsController],
  providers: [
    AcceptInvitationUseCase,
    AccountAuditService,
    AccountDeletionService,
    AccountRoleGuard,
    AccountsRepository,
    AccountsService,
    InvitationsService,
    MembersService,
    Require2faSignInStep,
  ],
  exports: [AccountsService, AccountsRepository, AccountRoleGuard, AccountDeletionService, DeletionSweepModule],
})
export class AccountsModule {}
