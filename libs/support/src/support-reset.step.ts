import { AuditService } from '@latchkey/audit';
import { SignInContext, SignInDecision, SignInStep, SignInSteps } from '@latchkey/auth';
import { FACTOR_KINDS } from '@latchkey/mfa';
import { Injectable, OnModuleInit } from '@nestjs/common';

import { SupportTicketsRepository } from './support-tickets.repository';

/**
 * After support reset a user's MFA, their next sign-ins are restricted to enrolment until they
 * set up a new factor: the reset hands back an account, not an account without 2FA.
 */
@Injectable()
export class SupportResetSignInStep implements SignInStep, OnModuleInit {
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

  async evaluate(ctx: SignInContext): Promise<SignInDecision | undefined> {
    if (await ctx.secondFactor.has()) {
      return undefined;
    }
    // Only the latest reset matters: a factor enrolled after it followed every earlier one too.
    const reset = await this.tickets.lastExecutedReset(ctx.user.id);
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
