import type { ClientInfo, SessionRestriction } from '@latchkey/core';
import type { User } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

export interface SignInContext {
  user: User;
  client: ClientInfo;
  /** The trusted-device token from the body or the lk_device cookie. */
  deviceToken?: string;
}

/**
 * What a step decides after the password was right: stop and ask for more (a challenge the
 * client must answer), or let the sign-in finish with a restricted session.
 */
export type SignInDecision =
  { kind: 'challenge'; response: Record<string, unknown> } | { kind: 'restrict'; restriction: SessionRestriction };

export interface SignInStep {
  name: string;
  /** Lower runs first. */
  order: number;
  evaluate(ctx: SignInContext): Promise<SignInDecision | undefined>;
}

/** A second factor the auth lib can ask for without knowing how it works (reauth, password reset). */
export interface SecondFactorVerifier {
  hasSecondFactor(userId: string): Promise<boolean>;
  /** Accepts a TOTP, SMS or backup code; true when one of them matches (and is spent). */
  verify(userId: string, code: string): Promise<boolean>;
}

/**
 * Where later libs plug into the sign-in flow. The one place that decides the outcome
 * (authenticated, mfa_required, mfa_setup_required) runs these steps in order.
 */
@Injectable()
export class SignInSteps {
  private readonly steps: SignInStep[] = [];
  secondFactor?: SecondFactorVerifier;

  register(step: SignInStep): void {
    this.steps.push(step);
    this.steps.sort((a, b) => a.order - b.order);
  }

  all(): readonly SignInStep[] {
    return this.steps;
  }
}
