import { SecondFactorProof } from '@latchkey/auth';
import { User } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { MfaFactor } from '../entities/mfa-factor.entity';
import { ChallengeAnswer, FactorStrategy, MethodMatch } from '../factors/factor-strategy';
import { invalidCode } from '../mfa.exception';
import { SmsCodeScope, SmsCodesService } from './sms-codes.service';
import { maskPhone } from './sms-sender';
import { SMS_KIND } from './sms.kind';

/**
 * A verified phone, one per user: codes are texted on demand (SmsSignInCodes). A recovery code
 * sent to it signs in when the authenticator is lost, and removes the other factors.
 */
@Injectable()
export class SmsFactor implements FactorStrategy {
  readonly info = SMS_KIND;
  readonly kind = SMS_KIND.kind;
  readonly method = SMS_KIND.method;
  readonly label = 'A phone number for text-message codes';
  readonly actions = SMS_KIND.actions;
  readonly notSetUp = 'No phone is set up.';

  constructor(private readonly smsCodes: SmsCodesService) {}

  offered(confirmed: MfaFactor[]): boolean {
    return confirmed.some((f) => f.kind === this.kind);
  }

  describe(confirmed: MfaFactor[]) {
    const phone = confirmed.find((f) => f.kind === this.kind)?.phone;
    return { sms: phone ? maskPhone(phone) : null };
  }

  nameOf(factor: MfaFactor): string | null {
    return factor.phone ? maskPhone(factor.phone) : null;
  }

  async verify(answer: ChallengeAnswer): Promise<MethodMatch | undefined> {
    const matched = await this.match(
      { userId: answer.user.id, purposes: ['sign_in', 'recovery'], challengeId: answer.challengeId },
      answer.code,
    );
    if (!matched) {
      return undefined;
    }
    return matched.purpose === 'recovery'
      ? { proof: matched.proof, recovery: { reason: 'you signed in with an SMS recovery code', keep: this.kind } }
      : { proof: matched.proof };
  }

  async verifyCode(user: User, code: string): Promise<SecondFactorProof | undefined> {
    return (await this.match({ userId: user.id, purposes: ['sign_in'], challengeId: null }, code))?.proof;
  }

  refused(): Error {
    return invalidCode();
  }

  /** An SMS code of the scope (an attempt of it is spent); spending marks the code used. */
  private async match(scope: SmsCodeScope, code: string): Promise<{ purpose: string; proof: SecondFactorProof } | undefined> {
    const matched = await this.smsCodes.match(scope, code);
    if (!matched) {
      return undefined;
    }
    return {
      purpose: matched.purpose,
      proof: {
        spend: async (m) => {
          if (!(await this.smsCodes.spend(matched.id, m))) {
            throw invalidCode();
          }
        },
      },
    };
  }
}
