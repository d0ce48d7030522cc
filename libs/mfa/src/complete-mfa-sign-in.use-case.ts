import { LoginActivityService, LoginResult, LoginUseCase, SecondFactorProof } from '@latchkey/auth';
import { ClientInfo, Clock, Metrics } from '@latchkey/core';
import { User, UserTokensService, UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DataSource } from 'typeorm';

import { ChallengesService, challengeGone } from './challenges/challenges.service';
import { SmsSentDto } from './dto/mfa.dto';
import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from './mfa.constants';
import { mfaError } from './mfa.exception';
import { MfaService, invalidCode } from './mfa.service';
import { PasskeysService, passkeyRefused } from './passkeys/passkeys.service';
import { SmsGuard } from './sms-guard';
import { SmsCodesService } from './sms/sms-codes.service';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

export interface CompleteMfaInput {
  challengeId: string;
  method: 'totp' | 'sms' | 'backup_code' | 'passkey';
  code?: string;
  passkeyChallengeId?: string;
  credential?: Record<string, unknown>;
  trustDevice?: boolean;
  client: ClientInfo;
}

export type CompleteMfaResult = LoginResult & { device?: { token: string; expiresAt: Date } };

/** The second step of a sign-in: answer a challenge with a TOTP, SMS or backup code. */
@Injectable()
export class CompleteMfaSignInUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly challenges: ChallengesService,
    private readonly mfa: MfaService,
    private readonly smsCodes: SmsCodesService,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly users: UsersService,
    private readonly tokens: UserTokensService,
    private readonly login: LoginUseCase,
    private readonly activity: LoginActivityService,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly smsGuard: SmsGuard,
    private readonly passkeys: PasskeysService,
  ) {}

  /**
   * A TOTP answer costs three database round trips: spending the attempt (which also reads the
   * authenticator), the user and the new-device check side by side, then one statement that
   * claims the time step, finishes the challenge and writes the session, login activity and audit
   * (LoginUseCase.issueSession, the same path as the password step).
   */
  async execute(input: CompleteMfaInput): Promise<CompleteMfaResult> {
    const { userId, totp } = await this.challenges.spendAttempt(input.challengeId);
    const newDevice = this.activity.isNewDevice(userId, input.client);
    newDevice.catch(() => undefined); // awaited by issueSession; a failure before that is not unhandled
    // The check is reserved on the failure counter before the code is looked at (no overshoot).
    const [ticket, user] = await Promise.all([this.mfa.reserveCheck(userId), this.users.get(userId)]);
    let proof: SecondFactorProof | undefined;
    let recovery = false;
    try {
      switch (input.method) {
        case 'totp':
          proof = await this.mfa.matchTotp(userId, input.code ?? '', totp);
          break;
        case 'sms': {
          const sms = await this.mfa.matchSmsCode(
            { userId, purposes: ['sign_in', 'recovery'], challengeId: input.challengeId },
            input.code ?? '',
          );
          proof = sms;
          recovery = sms?.purpose === 'recovery';
          break;
        }
        case 'backup_code':
          proof = await this.mfa.matchBackupCode(user, input.code ?? '');
          break;
        case 'passkey':
          proof = (
            await this.passkeys.matchSecondFactor(user, input.challengeId, {
              challengeId: input.passkeyChallengeId ?? '',
              credential: input.credential ?? {},
            })
          )?.proof;
          break;
      }
    } catch (err) {
      await this.mfa.releaseCheck(ticket);
      throw err;
    }
    this.metrics.secondFactor.inc({ method: input.method, outcome: proof ? 'success' : 'failure' });
    if (!proof) {
      await this.activity.record(userId, input.client, 'mfa_failed', input.method);
      await this.mfa.recordFailure(user, ticket);
      throw input.method === 'passkey' ? passkeyRefused() : invalidCode();
    }
    let result: LoginResult;
    if (proof.claim && !recovery) {
      const claim = proof.claim;
      result = await this.login.issueSession(user, input.client, null, {
        method: input.method,
        newDevice,
        require: {
          statements: [this.challenges.completeStatement(input.challengeId), claim],
          refused: async () => {
            await this.mfa.releaseCheck(ticket);
            return (await this.challenges.isOpen(input.challengeId)) ? invalidCode() : challengeGone();
          },
        },
      });
      await this.mfa.clearFailures(userId);
      return this.trustIfAsked(input, user, result);
    }
    if (!(await this.challenges.complete(input.challengeId))) {
      await this.mfa.releaseCheck(ticket);
      throw challengeGone();
    }
    await this.mfa.clearFailures(userId);
    const spend = proof.spend;
    if (recovery) {
      // The authenticator is lost: remove it so the restricted session must set one up again.
      await this.dataSource.transaction(async (m) => {
        await spend(m);
        await this.mfa.wipe(user, 'you signed in with an SMS recovery code', user.id, m, ['sms']);
      });
      return this.login.issueSession(user, input.client, 'mfa_recovery', { method: 'sms_recovery' });
    }
    result = await this.login.issueSession(user, input.client, null, { method: input.method, within: spend, newDevice });
    return this.trustIfAsked(input, user, result);
  }

  private async trustIfAsked(input: CompleteMfaInput, user: User, result: LoginResult): Promise<CompleteMfaResult> {
    if (!input.trustDevice) {
      return result;
    }
    const issued = await this.dataSource.transaction(async (m) => {
      const d = await this.trustedDevices.issue(user.id, input.client, m);
      await this.mfa.auditAndNotify(
        user,
        MfaAuditAction.TrustedDeviceAdded,
        { deviceId: d.device.id },
        'security.trusted_device_added',
        {
          when: this.clock.now().toUTCString(),
          until: d.device.expiresAt.toUTCString(),
          browser: input.client.browser,
          os: input.client.os,
          location: input.client.location,
          ip: input.client.ip ?? 'unknown',
        },
        m,
      );
      return d;
    });
    return { ...result, device: { token: issued.token, expiresAt: issued.device.expiresAt } };
  }

  async sendSms(challengeId: string): Promise<SmsSentDto> {
    const challenge = await this.challenges.live(challengeId);
    return this.mfa.sendSignInSms(challenge.userId, challenge.id, 'sign_in');
  }

  /** Only the holder of a live reset link can have the reset's SMS code sent. */
  async sendPasswordResetSms(token: string): Promise<SmsSentDto> {
    const pending = await this.tokens.find('password_reset', token);
    if (!pending) {
      throw mfaError('INVALID_TOKEN', 'This reset link is invalid, used or expired. Ask for a new one.', {
        errors: [{ field: 'token', message: 'is invalid or expired' }],
      });
    }
    return this.mfa.sendSignInSms(pending.userId, null, 'sign_in');
  }

  /** SMS recovery, except to countries where SMS is unreliable or abused: those go through support. */
  async sendRecoverySms(challengeId: string): Promise<SmsSentDto> {
    const challenge = await this.challenges.live(challengeId);
    const phone = await this.mfa.recoveryPhone(challenge.userId);
    const country = phone ? parsePhoneNumberFromString(phone)?.country : undefined;
    if (phone && (!country || this.options.smsRecoveryBlockedCountries.includes(country))) {
      await this.smsGuard.auditRefusal(challenge.userId, phone, 'recovery', 'country_blocked', { country: country ?? null });
      throw mfaError(
        'SMS_COUNTRY_BLOCKED',
        'Recovery by text message is not available for phone numbers in your country. Open a support ticket to recover your account.',
        { data: { country: country ?? null, supportTicketUrl: '/api/v1/support/tickets' } },
      );
    }
    return this.mfa.sendSignInSms(challenge.userId, challenge.id, 'recovery');
  }
}
