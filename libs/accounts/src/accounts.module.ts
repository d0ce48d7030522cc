import { AuthModule } from '@latchkey/auth';
import { MfaModule } from '@latchkey/mfa';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AcceptInvitationUseCase } from './accept-invitation.use-case';
import { AccountMembershipsModule } from './account-memberships.module';
import { AccountNotificationsController } from './account-notifications.controller';
import { AccountNotificationsService } from './account-notifications.service';
import { AccountDeletionService } from './account-deletion.service';
import { AccountAuditService } from './account-audit.service';
import { InvitationsExportPart, MembershipsExportPart } from './accounts-export.part';
import { AccountsController } from './accounts.controller';
import { AccountBillingController, ServiceBillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { DeletionSweepModule } from './deletion-sweep.module';
import { Account, AccountBilling, Invitation, Membership } from './entities';
import { InvitationsService } from './invitations.service';
import { MeAccountsController } from './me-accounts.controller';
import { MembersService } from './members.service';
import { Require2faSignInStep } from './require-2fa.step';
import { TwoFactorRequirementModule } from './two-factor-requirement.module';

@Module({
  imports: [
    AuthModule,
    MfaModule,
    DeletionSweepModule,
    TwoFactorRequirementModule,
    AccountMembershipsModule,
    TypeOrmModule.forFeature([Account, AccountBilling, Membership, Invitation]),
  ],
  providers: [
    AcceptInvitationUseCase,
    AccountAuditService,
    AccountNotificationsService,
    AccountDeletionService,
    AccountsRepository,
    AccountsService,
    BillingService,
    InvitationsService,
    MembersService,
    MembershipsExportPart,
    InvitationsExportPart,
    Require2faSignInStep,
  ],
  exports: [
    AccountsService,
    AccountDeletionService,
    DeletionSweepModule,
    // For AccountsHttpModule's routes.
    AcceptInvitationUseCase,
    AccountAuditService,
    AccountNotificationsService,
    BillingService,
    InvitationsService,
    MembersService,
  ],
})
export class AccountsModule {}

/** The accounts' routes, for the API only; their AccountRoleGuard reads memberships, factors and sessions. */
@Module({
  imports: [AccountsModule, AuthModule, MfaModule],
  controllers: [
    AccountsController,
    MeAccountsController,
    AccountBillingController,
    ServiceBillingController,
    AccountNotificationsController,
  ],
})
export class AccountsHttpModule {}
