import type { ClientInfo, SessionRestriction, SqlFacts, SqlStatement } from '@latchkey/core';
import type { User } from '@latchkey/users';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface SignInContext {
  user: User;
  client: ClientInfo;
  /** The trusted-device token from the body or the lk_device cookie. */
  deviceToken?: string;
  /**
   * Set when the credential itself proved both factors (a passkey with user verification): the
   * second-factor step then asks nothing more; the other steps (restrictions) still run.
   */
  bothFactorsBy?: string;
  /** Whether the user has a confirmed second factor, read with the steps' facts before any step runs. */
  hasSecondFactor: boolean;
}

/**
 * What a step decides after the password was right: stop and ask for more (a challenge the
 * client must answer), or let the sign-in finish with a restricted session.
 */
export type SignInDecision =
  { kind: 'challenge'; response: Record<string, unknown> } | { kind: 'restrict'; restriction: SessionRestriction };

export interface SignInStep<Asked = unknown> {
  name: string;
  /** Lower runs first. */
  order: number;
  /**
   * What the step will read of the database, asked before any step runs, so the reads of every
   * step (and the second-factor and new-device facts) go to PostgreSQL as one statement
   * (SqlFacts). What it returns (the facts' getters) is handed to `evaluate`.
   */
  ask?(user: User, client: ClientInfo, facts: SqlFacts): Asked;
  evaluate(ctx: SignInContext, asked: Asked): Promise<SignInDecision | undefined>;
}

/** A code that matched and is not spent yet: spend it in the transaction of the action it authorizes. */
export interface SecondFactorProof {
  /** Throws INVALID_MFA_CODE when the code was spent meanwhile (a parallel use). */
  spend(m: EntityManager): Promise<void>;
  /**
   * The same spend as one compare-and-swap statement (`... RETURNING`, no row when spent
   * meanwhile), when it has no side effects beyond its own row: a sign-in then sends it in the
   * one statement that also writes the session, login activity and audit.
   */
  claim?: SqlStatement;
}

/** A second factor the auth lib can ask for without knowing how it works (reauth, password reset). */
export interface SecondFactorVerifier {
  hasSecondFactor(userId: string): Promise<boolean>;
  /** The same question as a SqlFacts fact (a boolean), for the sign-in's one read. */
  hasSecondFactorFact(userId: string): SqlStatement;
  /**
   * Checks a TOTP, SMS or backup code under the second-factor lock (the attempt is counted before
   * the check). Undefined when no code matches; the code is spent only by the proof's `spend`.
   */
  check(userId: string, code: string): Promise<SecondFactorProof | undefined>;
}

/**
 * Where later libs plug into the sign-in flow. The one place that decides the outcome
 * (authenticated, mfa_required, mfa_setup_required) runs these steps in order. The second-factor
 * port is required: a boot where nothing provides it fails, so no check is ever skipped.
 */
@Injectable()
export class SignInSteps implements OnApplicationBootstrap {
  private readonly steps: SignInStep[] = [];
  private verifier?: SecondFactorVerifier;

  register(step: SignInStep): void {
    this.steps.push(step);
    this.steps.sort((a, b) => a.order - b.order);
  }

  all(): readonly SignInStep[] {
    return this.steps;
  }

  provideSecondFactor(verifier: SecondFactorVerifier): void {
    this.verifier = verifier;
  }

  get secondFactor(): SecondFactorVerifier {
    if (!this.verifier) {
      throw new Error(MISSING_SECOND_FACTOR);
    }
    return this.verifier;
  }

  onApplicationBootstrap(): void {
    if (!this.verifier) {
      throw new Error(MISSING_SECOND_FACTOR);
    }
    const missing = REQUIRED_STEPS.filter((name) => !this.steps.some((s) => s.name === name));
    if (missing.length) {
      throw new Error(
        `Refusing to start: sign-in step(s) ${missing.join(', ')} not registered (are MfaModule, AccountsModule and SupportModule imported?). ` +
          'A sign-in without them would skip the second factor or a restriction.',
      );
    }
  }
}

/** The steps that enforce security at sign-in: second factor, accounts requiring 2FA, support resets. */
const REQUIRED_STEPS = ['mfa', 'account-require-2fa', 'support-mfa-reset'];

const MISSING_SECOND_FACTOR =
  'Refusing to start: no second-factor verifier is registered with SignInSteps (is MfaModule imported?). ' +
  'Without it, reauthentication and password reset would skip the second factor.';
