import { Inject, Injectable } from '@nestjs/common';

import type { FactorKind } from '../entities/mfa-factor.entity';
import { mfaError } from '../mfa.exception';
import { PASSKEY_KIND } from '../passkeys/passkey.kind';
import { SMS_KIND } from '../sms/sms.kind';
import { TOTP_KIND } from '../totp/totp.kind';
import type { FactorStrategy, SignInMethod } from './factor-strategy';
import { isFactorStrategy } from './factor-strategy';

/**
 * What the rest of the code base may know about a factor kind without its strategy: plain data,
 * readable when modules load (DTO enums, the members report's filters, webhook events).
 */
export interface FactorKindInfo {
  /** mfa_factors.kind, a row of mfa_factor_kinds (its migration inserts it). */
  readonly kind: FactorKind;
  /** The `method` a sign-in answer names. */
  readonly method: string;
  /**
   * The strength bit of the members report's `mfa_level`: 2 strong (authenticator app, passkey),
   * 1 weak (SMS). Must equal mfa_factor_kinds.strength (test/mfa/factor-kinds checks).
   */
  readonly strength: 1 | 2;
  /** What a sign-in answer carries: a typed `code`, or a WebAuthn `credential`. */
  readonly answer: 'code' | 'credential';
  /**
   * Audit actions of enabling and of removing one (webhooks map them to mfa.enabled /
   * mfa.disabled), and of renaming one for kinds the user names (PATCH /me/mfa/factors/{id}).
   */
  readonly actions: { readonly enabled: string; readonly disabled: string; readonly renamed?: string };
}

/**
 * Every factor kind, in the order a challenge offers them. Registering a kind is one line here and
 * its strategy in MfaModule (FactorRegistry refuses to start when the two disagree).
 */
export const FACTOR_KINDS: readonly FactorKindInfo[] = [TOTP_KIND, SMS_KIND, PASSKEY_KIND];

/** Sign-in methods that are no factor (recovery), with what they carry. */
export const RECOVERY_METHODS: ReadonlyArray<{ method: string; answer: 'code' }> = [{ method: 'backup_code', answer: 'code' }];

/** Every `method` a sign-in answer may name: the kinds', then the recovery methods. */
export function signInMethodNames(kinds: readonly FactorKindInfo[] = FACTOR_KINDS): string[] {
  return [...kinds.map((k) => k.method), ...RECOVERY_METHODS.map((r) => r.method)];
}

/** What an answer of `method` carries (a typed code when the method is unknown: validation says so). */
export function answerOf(method: unknown, kinds: readonly FactorKindInfo[] = FACTOR_KINDS): 'code' | 'credential' {
  return kinds.find((k) => k.method === method)?.answer ?? 'code';
}

/** The factor kind and change an audit action records (for webhooks); undefined for other actions. */
export function factorChangeOf(
  action: string,
  kinds: readonly FactorKindInfo[] = FACTOR_KINDS,
): { kind: FactorKind; change: 'enabled' | 'disabled' } | undefined {
  for (const k of kinds) {
    if (k.actions.enabled === action) {
      return { kind: k.kind, change: 'enabled' };
    }
    if (k.actions.disabled === action) {
      return { kind: k.kind, change: 'disabled' };
    }
  }
  return undefined;
}

/** The `mfa_level` of a user with factors of these kinds: the OR of their strength bits (the summary trigger's rule). */
export function levelOf(present: Iterable<FactorKind>, kinds: readonly FactorKindInfo[] = FACTOR_KINDS): number {
  let level = 0;
  for (const kind of present) {
    level |= kinds.find((k) => k.kind === kind)?.strength ?? 0;
  }
  return level;
}

/** Every sign-in method (the factor strategies, then backup codes), in the order a challenge lists them. */
export const SIGN_IN_METHODS = Symbol('SIGN_IN_METHODS');
/** The kinds FactorRegistry holds the strategies to: FACTOR_KINDS (MfaModule), or a test's own list. */
export const FACTOR_KIND_CATALOGUE = Symbol('FACTOR_KIND_CATALOGUE');

/** The one place that knows which factor kinds and sign-in methods exist. */
@Injectable()
export class FactorRegistry {
  private readonly byMethod = new Map<string, SignInMethod>();
  private readonly byKind = new Map<FactorKind, FactorStrategy>();

  constructor(
    @Inject(SIGN_IN_METHODS) private readonly ordered: SignInMethod[],
    @Inject(FACTOR_KIND_CATALOGUE) kinds: readonly FactorKindInfo[] = FACTOR_KINDS,
  ) {
    for (const m of ordered) {
      if (this.byMethod.has(m.method)) {
        throw new Error(`Two sign-in methods are named ${m.method}`);
      }
      this.byMethod.set(m.method, m);
      if (isFactorStrategy(m)) {
        if (!kinds.includes(m.info)) {
          throw new Error(`The factor kind ${m.kind} is not listed in FACTOR_KINDS`);
        }
        this.byKind.set(m.kind, m);
      }
    }
    const missing = kinds.filter((k) => !this.byKind.has(k.kind));
    if (missing.length) {
      throw new Error(`No strategy is registered for the factor kind(s) ${missing.map((k) => k.kind).join(', ')}`);
    }
  }

  /** Every method, in order. */
  methods(): readonly SignInMethod[] {
    return this.ordered;
  }

  strategies(): FactorStrategy[] {
    return [...this.byKind.values()];
  }

  /** The method of a sign-in answer; MFA_METHOD_UNAVAILABLE (400) for a name nothing registered. */
  method(name: string): SignInMethod {
    const m = this.byMethod.get(name);
    if (!m) {
      throw mfaError('MFA_METHOD_UNAVAILABLE', 'That method is not available.', { errors: [{ field: 'method', message: 'is unknown' }] });
    }
    return m;
  }

  /** The strategy of a stored kind, if it is still registered. */
  find(kind: FactorKind): FactorStrategy | undefined {
    return this.byKind.get(kind);
  }

  strategy(kind: FactorKind): FactorStrategy {
    const s = this.byKind.get(kind);
    if (!s) {
      throw new Error(`No factor strategy is registered for kind ${kind}`);
    }
    return s;
  }
}
