import { Inject, Injectable } from '@nestjs/common';

import { FactorKind } from '../entities/mfa-factor.entity';
import { mfaError } from '../mfa.exception';
import { FactorStrategy, SignInMethod, isFactorStrategy } from './factor-strategy';

/** Every sign-in method (the factor strategies, then backup codes), in the order a challenge lists them. */
export const SIGN_IN_METHODS = Symbol('SIGN_IN_METHODS');

/** The one place that knows which factor kinds and sign-in methods exist. */
@Injectable()
export class FactorRegistry {
  private readonly byMethod = new Map<string, SignInMethod>();
  private readonly byKind = new Map<FactorKind, FactorStrategy>();

  constructor(@Inject(SIGN_IN_METHODS) private readonly ordered: SignInMethod[]) {
    for (const m of ordered) {
      if (this.byMethod.has(m.method)) {
        throw new Error(`Two sign-in methods are named ${m.method}`);
      }
      this.byMethod.set(m.method, m);
      if (isFactorStrategy(m)) {
        this.byKind.set(m.kind, m);
      }
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
