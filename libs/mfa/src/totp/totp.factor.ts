import { SecondFactorProof } from '@latchkey/auth';
import { Clock, SecretBox, isoTime } from '@latchkey/core';
import { User } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { MfaFactor } from '../entities/mfa-factor.entity';
import { FactorsRepository } from '../factors.repository';
import { ChallengeAnswer, FactorStrategy, MethodMatch } from '../factors/factor-strategy';
import { invalidCode } from '../mfa.exception';
import { Totp } from './totp';
import { TOTP_KIND } from './totp.kind';

/**
 * An authenticator app: a sealed TOTP secret, several per user, each named; each time step is
 * good once per authenticator (last_used_step is per row).
 */
@Injectable()
export class TotpFactor implements FactorStrategy {
  readonly info = TOTP_KIND;
  readonly kind = TOTP_KIND.kind;
  readonly method = TOTP_KIND.method;
  readonly preloads = TOTP_KIND.kind;
  readonly label = 'An authenticator app';
  readonly actions = TOTP_KIND.actions;
  readonly notSetUp = 'No authenticator app is set up.';

  constructor(
    private readonly factors: FactorsRepository,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  offered(confirmed: MfaFactor[]): boolean {
    return confirmed.some((f) => f.kind === this.kind);
  }

  describe(confirmed: MfaFactor[]) {
    return { totp: this.offered(confirmed), authenticators: confirmed.filter((f) => f.kind === this.kind).length };
  }

  exported(factor: MfaFactor): Record<string, unknown> {
    return { name: factor.name, lastUsedAt: isoTime(factor.lastUsedAt) };
  }

  async verify(answer: ChallengeAnswer): Promise<MethodMatch | undefined> {
    const proof = await this.match(answer.user.id, answer.code, answer.preloaded);
    return proof && { proof };
  }

  verifyCode(user: User, code: string): Promise<SecondFactorProof | undefined> {
    return this.match(user.id, code);
  }

  refused(): Error {
    return invalidCode();
  }

  /** The time step a code of this secret matches now, if any. */
  step(secretSealed: string, userId: string, code: string): number | undefined {
    return Totp.verify(this.secrets.open(secretSealed, userId), code, Math.floor(this.clock.nowMs() / 1000));
  }

  /**
   * A TOTP that matches now one of the user's authenticators and whose step was not used yet on
   * it; spending claims the step on that authenticator (no replay). Every authenticator is tried
   * (no early exit), so the time taken does not tell which one matched or how many there are past
   * the first. `preloaded`: the confirmed authenticators as already read (`undefined` reads them).
   */
  private async match(userId: string, code: string, preloaded?: MfaFactor[]): Promise<SecondFactorProof | undefined> {
    if (!/^\d{6}$/.test(code)) {
      return undefined;
    }
    const factors = preloaded ?? (await this.factors.findConfirmedOfKind(userId, this.kind));
    let matched: { factor: MfaFactor; step: number } | undefined;
    for (const factor of factors) {
      if (!factor.confirmedAt || !factor.secretSealed) {
        continue;
      }
      const step = this.step(factor.secretSealed, userId, code);
      const fresh = step !== undefined && (factor.lastUsedStep === null || Number(factor.lastUsedStep) < step);
      if (fresh && !matched) {
        matched = { factor, step };
      }
    }
    if (!matched) {
      return undefined;
    }
    const { factor, step } = matched;
    return {
      spend: async (m) => {
        if (!(await this.factors.claimTotpStep(factor.id, step, this.clock.now(), m))) {
          throw invalidCode();
        }
      },
      claim: this.factors.claimTotpStepStatement(factor.id, step, this.clock.now()),
    };
  }
}
