import { UserTokensService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

import { ChallengesService } from '../challenges/challenges.service';
import { SmsSentDto } from '../dto/mfa.dto';
import { FactorsRepository } from '../factors.repository';
import { MFA_OPTIONS, MfaOptions } from '../mfa.constants';
import { mfaError } from '../mfa.exception';
import { MfaLock } from '../mfa-lock';
import { SmsGuard } from '../sms-guard';
import { SmsCodesService } from './sms-codes.service';
import { SmsSender, maskPhone } from './sms-sender';
import { SmsFactor } from './sms.factor';

/** Texting the codes that answer a check: a sign-in challenge, a reauth, a password reset, a recovery. */
@Injectable()
export class SmsSignInCodes {
  constructor(
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly factors: FactorsRepository,
    private readonly smsCodes: SmsCodesService,
    private readonly sms: SmsSender,
    private readonly smsGuard: SmsGuard,
    private readonly lock: MfaLock,
    private readonly challenges: ChallengesService,
    private readonly tokens: UserTokensService,
    private readonly smsFactor: SmsFactor,
  ) {}

  async forChallenge(challengeId: string): Promise<SmsSentDto> {
    const challenge = await this.challenges.live(challengeId);
    return this.send(challenge.userId, challenge.id, 'sign_in');
  }

  /** Only the holder of a live reset link can have the reset's SMS code sent. */
  async forPasswordReset(token: string): Promise<SmsSentDto> {
    const pending = await this.tokens.find('password_reset', token);
    if (!pending) {
      throw mfaError('INVALID_TOKEN', 'This reset link is invalid, used or expired. Ask for a new one.', {
        errors: [{ field: 'token', message: 'is invalid or expired' }],
      });
    }
    return this.send(pending.userId, null, 'sign_in');
  }

  /** SMS recovery, except to countries where SMS is unreliable or abused: those go through support. */
  async forRecovery(challengeId: string): Promise<SmsSentDto> {
    const challenge = await this.challenges.live(challengeId);
    const phone = await this.recoveryPhone(challenge.userId);
    const country = phone ? parsePhoneNumberFromString(phone)?.country : undefined;
    if (phone && (!country || this.options.smsRecoveryBlockedCountries.includes(country))) {
      await this.smsGuard.auditRefusal(challenge.userId, phone, 'recovery', 'country_blocked', { country: country ?? null });
      throw mfaError(
        'SMS_COUNTRY_BLOCKED',
        'Recovery by text message is not available for phone numbers in your country. Open a support ticket to recover your account.',
        { data: { country: country ?? null, supportTicketUrl: '/api/v1/support/tickets' } },
      );
    }
    return this.send(challenge.userId, challenge.id, 'recovery');
  }

  /** A code for the user's verified phone: for a challenge, or (challengeId null) for a reauth or reset. */
  async send(userId: string, challengeId: string | null, purpose: 'sign_in' | 'recovery'): Promise<SmsSentDto> {
    await this.lock.assertNotLocked(userId);
    const factor = await this.factors.find(userId, this.smsFactor.kind);
    if (!factor?.confirmedAt || !factor.phone) {
      throw purpose === 'recovery'
        ? mfaError(
            'NO_RECOVERY_PHONE',
            'There is no verified phone on this account. Use a backup code or open a support ticket to recover it.',
          )
        : mfaError('MFA_METHOD_UNAVAILABLE', 'Text-message codes are not set up on this account.', {
            errors: [{ field: 'method', message: 'is not set up' }],
          });
    }
    await this.smsGuard.reserve(userId, factor.phone, purpose);
    const { code, expiresAt } = await this.smsCodes.issue(userId, purpose, challengeId);
    await this.sms.send(
      factor.phone,
      purpose === 'recovery'
        ? `Your Latchkey recovery code is ${code}. Using it removes your authenticator app so you can set up a new one. It expires in 10 minutes.`
        : `Your Latchkey sign-in code is ${code}. It expires in 10 minutes. Never share it.`,
    );
    return { status: 'sent', phone: maskPhone(factor.phone), expiresAt: expiresAt.toISOString() };
  }

  private async recoveryPhone(userId: string): Promise<string | undefined> {
    const factor = await this.factors.find(userId, this.smsFactor.kind);
    return factor?.confirmedAt && factor.phone ? factor.phone : undefined;
  }
}
