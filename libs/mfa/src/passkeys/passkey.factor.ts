import { isoTime } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

import { MfaFactor } from '../entities/mfa-factor.entity';
import { ChallengeAnswer, FactorStrategy, MethodMatch } from '../factors/factor-strategy';
import { PASSKEY_KIND } from './passkey.kind';
import { PasskeysService, passkeyRefused } from './passkeys.service';

/**
 * Passkeys (WebAuthn), many per user, each named. Registration, rename and removal by id stay in
 * PasskeysService (a WebAuthn ceremony); the second sign-in step answers with an assertion on
 * the options PasskeySignInUseCase issued for the challenge. There is no typed code, so reauth
 * cannot take a passkey (no verifyCode).
 */
@Injectable()
export class PasskeyFactor implements FactorStrategy {
  readonly info = PASSKEY_KIND;
  readonly kind = PASSKEY_KIND.kind;
  readonly method = PASSKEY_KIND.method;
  readonly label = 'A passkey';
  readonly actions = PASSKEY_KIND.actions;
  readonly notSetUp = 'No such passkey.';

  constructor(private readonly passkeys: PasskeysService) {}

  offered(confirmed: MfaFactor[]): boolean {
    return confirmed.some((f) => f.kind === this.kind);
  }

  describe(confirmed: MfaFactor[]) {
    return { passkeys: confirmed.filter((f) => f.kind === this.kind).length };
  }

  exported(factor: MfaFactor): Record<string, unknown> {
    return {
      name: factor.name,
      transports: (factor.transports ?? '').split(',').filter(Boolean),
      backedUp: factor.backedUp,
      lastUsedAt: isoTime(factor.lastUsedAt),
    };
  }

  async verify(answer: ChallengeAnswer): Promise<MethodMatch | undefined> {
    const assertion = await this.passkeys.matchSecondFactor(answer.user, answer.challengeId, {
      challengeId: answer.passkeyChallengeId,
      credential: answer.credential,
    });
    return assertion && { proof: assertion.proof };
  }

  refused(): Error {
    return passkeyRefused();
  }
}
