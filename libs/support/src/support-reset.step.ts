import { AuditService } from '@latchkey/audit';
import { SignInContext, SignInDecision, SignInStep, SignInSteps } from '@latchkey/auth';
import { ClientInfo, FactOf, SqlFacts } from '@latchkey/core';
import { FACTOR_KINDS } from '@latchkey/mfa';
import { User } from '@latchkey/users';
import { Injectable, OnModuleInit } from '@nestjs/common';

import { SupportTicketsRepository } from './support-tickets.repository';

/**
 * After support reset a user's MFA, their next sign-ins are restricted to enrolment until they
 * set up a new factor: the reset hands back an account, not an account without 2FA.
 */
@Injectable()
export class SupportResetSignInStep implements SignInStep<() => Date | null>, OnModuleInit {
  readonly name = 'support-mfa-reset';
  readonly order = 30;

  constructor(
    private readonly steps: SignInSteps,
    private readonly tickets: SupportTicketsRepository,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.steps.register(this);
  }

  ask(user: User, _client: ClientInfo, facts: SqlFacts): () => Date | null {
    return facts.ask(this.tickets.lastExecutedResetFact(user.id), FactOf.date);
  }

  async evaluate(ctx: SignInContext, lastReset: () => Date | null): Promise<SignInDecision | undefined> {
    if (ctx.hasSecondFactor) {
      return undefined;
    }
    // Only the latest reset matters: a factor enrolled after it followed every earlier one too.
    const reset = lastReset();
    if (
      !reset ||
      (await this.audit.happenedSince(
        ctx.user.id,
        FACTOR_KINDS.map((k) => k.actions.enabled),
        reset,
      ))
    ) {
      return undefined;
    }
    return { kind: 'restrict', restriction: 'mfa_setup_required' };
  }
}
