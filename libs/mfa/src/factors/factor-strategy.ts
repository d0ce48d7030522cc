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
 * Adding a factor kind (say a hardware token), and nothing else:
 *
 * 1. Its strategy, in its own folder: a `FactorKindInfo` (kind, method, strength bit, answer,
 *    audit actions; e.g. totp/totp.kind.ts), a class implementing FactorStrategy, its enrolment
 *    service and routes if it needs a ceremony of its own. Register it: its info in FACTOR_KINDS
 *    (factor-registry.ts) and its class in MfaModule's sign-in methods (FactorRegistry refuses to
 *    start when the two disagree).
 * 2. Its migration: `INSERT INTO mfa_factor_kinds (kind, strength)` (the same strength bit as its
 *    info; test/mfa/several-authenticators checks they agree), and any columns or constraints of
 *    its own (how many per user, name rules).
 * 3. Its console screen: its part of My account's two-factor page (admin-ui/src/me/security.tsx), and the
 *    words of its audit actions (admin-ui/src/accounts/audit-words.ts).
 *
 * Derived with no edit: the sign-in DTO's `method` enum and which field an answer carries, the
 * factor list's `kind`, the members report's `mfa` filter and levels, the 2FA summary (a count per
 * kind and the level), webhooks' mfa.enabled / mfa.disabled, status `methods`, removal by id and
 * the data export (plus its `exported` fields). libs/mfa/src/factors/new-factor-kind.spec.ts
 * proves it with a fake kind. The members report's `totp`/`sms`/`passkeys` columns (the member
 * DTO's) stay for the three kinds they name; a new kind shows in `enabled`, the level and the
 * filter.
 *
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

/**
 * How a mail names one factor: its kind's label, and its own name when the user gave one
 * ("Authenticator app "Tablet""), so a person with several can tell which one changed.
 */
export function factorTitle(strategy: { label: string }, factor: { name?: string | null }): string {
  return factor.name && factor.name !== strategy.label ? `${strategy.label} "${factor.name}"` : strategy.label;
}
