import { SignInContext, SignInDecision, SignInStep, SignInSteps } from '@latchkey/auth';
import { Injectable, OnModuleInit } from '@nestjs/common';

import { AccountsService } from './accounts.service';

/**
 * After the MFA step (which challenges anyone who has a factor): a member of an account that
 * requires 2FA and has no factor gets a session restricted to enrolment.
 */
@Injectable()
export class Require2faSignInStep implements SignInStep, OnModuleInit {
  readonly name = 'account-require-2fa';
  readonly order = 20;

  constructor(
    private readonly steps: SignInSteps,
    private readonly accounts: AccountsService,
  ) {}

  onModuleInit(): void {
    this.steps.register(this);
  }

  async evaluate(ctx: SignInContext): Promise<SignInDecision | undefined> {
    const needsSetup = await this.accounts.needsSetup(ctx.user.id, () => ctx.secondFactor.has());
    return needsSetup ? { kind: 'restrict', restriction: 'mfa_setup_required' } : undefined;
  }
}
