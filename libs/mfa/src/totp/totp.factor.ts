import { SecondFactorProof } from '@latchkey/auth';
import { Clock, SecretBox } from '@latchkey/core';
import { User } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { MfaFactor } from '../entities/mfa-factor.entity';
import { FactorsRepository } from '../factors.repository';
import { ChallengeAnswer, FactorStrategy, MethodMatch } from '../factors/factor-strategy';
import { MfaAuditAction } from '../mfa.constants';
import { invalidCode } from '../mfa.exception';
import { Totp } from './totp';

/** An authenticator app: a sealed TOTP secret, one per user; each time step is good once. */
@Injectable()
export class TotpFactor implements FactorStrategy {
  readonly kind = 'totp';
  readonly method = 'totp';
  readonly preloads = 'totp';
  readonly label = 'An authenticator app';
  readonly actions = { enabled: MfaAuditAction.TotpEnabled, disabled: MfaAuditAction.TotpDisabled };
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
    return { totp: this.offered(confirmed) };
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
   * A TOTP that matches now and whose step was not used yet; spending claims the step (no replay).
   * `preloaded`: the factor as already read (`undefined` reads it; `null` means there is none).
   */
  private async match(userId: string, code: string, preloaded?: MfaFactor | null): Promise<SecondFactorProof | undefined> {
    if (!/^\d{6}$/.test(code)) {
      return undefined;
    }
    const factor = preloaded === undefined ? await this.factors.find(userId, this.kind) : preloaded;
    if (!factor?.confirmedAt || !factor.secretSealed) {
      return undefined;
    }
    const step = this.step(factor.secretSealed, userId, code);
    if (step === undefined || (factor.lastUsedStep !== null && Number(factor.lastUsedStep) >= step)) {
      return undefined;
    }
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
