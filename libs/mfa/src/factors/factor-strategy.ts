import type { SecondFactorProof } from '@latchkey/auth';
import type { User } from '@latchkey/users';

import type { MfaStatusDto } from '../dto/mfa.dto';
import type { FactorKind, MfaFactor } from '../entities/mfa-factor.entity';
import type { FactorKindInfo } from './factor-registry';

/** What the user sent to answer the second sign-in step with one method. */
export interface ChallengeAnswer {
  user: User;
  challengeId: string;
  code: string;
  passkeyChallengeId: string;
  credential: Record<string, unknown>;
  /** The user's confirmed factors of this method's kind, read with the challenge when the method `preloads`. */
  preloaded?: MfaFactor[];
}

/** A right answer, not spent yet. */
export interface MethodMatch {
  proof: SecondFactorProof;
  /**
   * The answer recovers the account (the other factors are lost): the sign-in removes every
   * other factor (all but `keep`; `reason` goes to the audit entry and the mail) and its session may only set
   * one up again.
   */
  recovery?: { reason: string; keep: FactorKind };
}

/** One way to answer the second sign-in step: a factor, or a recovery method (backup codes). */
export interface SignInMethod {
  /** The `method` of a sign-in answer and of a challenge's `methods`. */
  readonly method: string;
  /** The factor kind whose confirmed rows are read with the challenge for this method (saves a round trip). */
  readonly preloads?: FactorKind;
  /** Whether a challenge offers this method to a user with these confirmed factors. */
  offered(confirmed: MfaFactor[], backupCodesRemaining: number): boolean;
  /** Checks an answer to a challenge; undefined when it is not right (nothing spent yet). */
  verify(answer: ChallengeAnswer): Promise<MethodMatch | undefined>;
  /**
   * A code given without a challenge (reauth, password reset); undefined when it is not this
   * method's or not right. Methods that have no typed code (passkeys) leave it out.
   */
  verifyCode?(user: User, code: string): Promise<SecondFactorProof | undefined>;
  /** The error a wrong answer gets. */
  refused(): Error;
}

/**
 * A kind of second factor: a row of mfa_factors of its `kind`. Enrolment stays with each kind
 * (its steps differ: a QR code, a texted code, a WebAuthn ceremony); what the rest of the lib
 * does with any factor (offer it, check it, describe it, remove it, mail about it) goes through
 * here, registered in FactorRegistry.
 */
export interface FactorStrategy extends SignInMethod {
  /** Its entry of FACTOR_KINDS (kind, method, strength, answer, audit actions). */
  readonly info: FactorKindInfo;
  readonly kind: FactorKind;
  /** In mails: "An authenticator app". */
  readonly label: string;
  /** Audit actions of enabling, removing and renaming one (info.actions). */
  readonly actions: FactorKindInfo['actions'];
  /** Answers when it is removed but none is set up. */
  readonly notSetUp: string;
  /** Its part of the user's two-factor status. */
  describe(confirmed: MfaFactor[]): Partial<MfaStatusDto>;
  /** What the factor list shows as a factor's name when it has none of its own (a masked phone). */
  nameOf?(factor: MfaFactor): string | null;
  /** Its own fields of a factor in the data export (besides kind, phone and dates); never a secret or key. */
  exported?(factor: MfaFactor): Record<string, unknown>;
}

export function isFactorStrategy(method: SignInMethod): method is FactorStrategy {
  return 'kind' in method;
}
