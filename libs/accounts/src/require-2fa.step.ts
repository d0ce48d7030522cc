import { SignInContext, SignInDecision, SignInStep, SignInSteps } from '@latchkey/auth';
import { ClientInfo, FactOf, SqlFacts } from '@latchkey/core';
import { User } from '@latchkey/users';
import { Injectable, OnModuleInit } from '@nestjs/common';

import { AccountsService } from './accounts.service';

/**
 * After the MFA step (which challenges anyone who has a factor): a member of an account that
 * requires 2FA and has no factor gets a session restricted to enrolment.
 */
@Injectable()
export class Require2faSignInStep implements SignInStep<() => boolean>, OnModuleInit {
  readonly name = 'account-require-2fa';
  readonly order = 20;

  constructor(
    private readonly steps: SignInSteps,
    private readonly accounts: AccountsService,
  ) {}

  onModuleInit(): void {
    this.steps.register(this);
  }

  ask(user: User, _client: ClientInfo, facts: SqlFacts): () => boolean {
    return facts.ask(this.accounts.requiring2faFact(user.id), FactOf.boolean);
  }

  async evaluate(ctx: SignInContext, required: () => boolean): Promise<SignInDecision | undefined> {
    return required() && !ctx.hasSecondFactor ? { kind: 'restrict', restriction: 'mfa_setup_required' } : undefined;
  }
}
