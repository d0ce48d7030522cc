import { TwoFactorRequirement } from '@latchkey/mfa';
import { Global, Injectable, Module } from '@nestjs/common';

import { AccountsRepository } from './accounts.repository';

/** Accounts owns which accounts require 2FA: it answers the mfa lib's TwoFactorRequirement port. */
@Injectable()
export class AccountsTwoFactorRequirement extends TwoFactorRequirement {
  constructor(private readonly accounts: AccountsRepository) {
    super();
  }

  requiredBy(userId: string): Promise<string[]> {
    return this.accounts.namesRequiring2fa(userId);
  }
}

/**
 * Global so that MfaModule, which AccountsModule imports (not the other way round), sees the
 * provider. Without this module the boot fails: MfaService cannot be built.
 */
@Global()
@Module({
  providers: [AccountsRepository, { provide: TwoFactorRequirement, useClass: AccountsTwoFactorRequirement }],
  exports: [TwoFactorRequirement],
})
export class TwoFactorRequirementModule {}
