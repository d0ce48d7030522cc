import { AuthModule } from '@latchkey/auth';
import { MfaModule } from '@latchkey/mfa';
import { Module } from '@nestjs/common';

import { ConnectedAccountsErasure } from './connected-accounts-erasure';
import { ConnectedAccountsExportPart } from './connected-accounts-export.part';
import { MyConnectedAccountsController, ProviderSignInController } from './connected-accounts.controller';
import { ConnectedAccountsRepository } from './connected-accounts.repository';
import { ConnectedAccountsService } from './connected-accounts.service';
import { ProviderClients } from './provider-clients';

/** Sign-in through Google, Microsoft, GitHub and OIDC issuers, and linking them from My account. */
@Module({
  imports: [AuthModule, MfaModule],
  providers: [
    ConnectedAccountsRepository,
    ConnectedAccountsService,
    ProviderClients,
    ConnectedAccountsExportPart,
    ConnectedAccountsErasure,
  ],
  exports: [ConnectedAccountsService],
})
export class ConnectedAccountsModule {}

/** The provider sign-in and linking routes, for the API only. */
@Module({
  imports: [ConnectedAccountsModule, AuthModule, MfaModule],
  controllers: [ProviderSignInController, MyConnectedAccountsController],
})
export class ConnectedAccountsHttpModule {}
