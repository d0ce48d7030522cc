import { LoginActivityService, LoginResult, LoginUseCase } from '@latchkey/auth';
import { ClientInfo, FactOf, Metrics } from '@latchkey/core';
import { User, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { ChallengesService, challengeGone } from './challenges/challenges.service';
import { FactorRegistry } from './factors/factor-registry';
import { MethodMatch } from './factors/factor-strategy';
import { MfaReset } from './factors/mfa-reset.service';
import { invalidCode } from './mfa.exception';
import { MfaLock } from './mfa-lock';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

export interface CompleteMfaInput {
  challengeId: string;
  /** A method of FactorRegistry: totp, sms, passkey or backup_code. */
  method: string;
  code?: string;
  passkeyChallengeId?: string;
  credential?: Record<string, unknown>;
  trustDevice?: boolean;
  client: ClientInfo;
}

export type CompleteMfaResult = LoginResult & { device?: { token: string; expiresAt: Date } };

/** The second step of a sign-in: answer a challenge with any registered method (FactorRegistry). */
@Injectable()
export class CompleteMfaSignInUseCase {
  constructor(
    private readonly challenges: ChallengesService,
    private readonly registry: FactorRegistry,
    private readonly lock: MfaLock,
    private readonly users: UsersService,
    private readonly login: LoginUseCase,
    private readonly activity: LoginActivityService,
    private readonly metrics: Metrics,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly reset: MfaReset,
  ) {}

  /**
   * A TOTP answer costs three database statements: spending the attempt (which also reads the
   * authenticator, the method's `preloads`, and whether this is a new device), then the user,
   * then one statement that claims the time step, finishes the challenge and writes the session,
   * login activity and audit (LoginUseCase.issueSession, the same path as the password step).
   */
  async execute(input: CompleteMfaInput): Promise<CompleteMfaResult> {
    const method = this.registry.method(input.method);
    let isNew: (() => boolean) | undefined;
    const { userId, factors } = await this.challenges.spendAttempt(input.challengeId, method.preloads ?? null, (facts, user) => {
      isNew = facts.ask(this.activity.newDeviceFactFor(user, input.client), FactOf.boolean);
    });
    const newDevice = Promise.resolve(isNew!());
    // The check is reserved on the failure counter before the code is looked at (no overshoot).
    const [ticket, user] = await Promise.all([this.lock.reserveCheck(userId), this.users.get(userId)]);
    let match: MethodMatch | undefined;
    try {
      match = await method.verify({
        user,
        challengeId: input.challengeId,
        code: input.code ?? '',
        passkeyChallengeId: input.passkeyChallengeId ?? '',
        credential: input.credential ?? {},
        ...(method.preloads ? { preloaded: factors } : {}),
      });
    } catch (err) {
      await this.lock.releaseCheck(ticket);
      throw err;
    }
    this.metrics.secondFactor.inc({ method: input.method, outcome: match ? 'success' : 'failure' });
    if (!match) {
      await this.activity.record(userId, input.client, 'mfa_failed', input.method);
      await this.lock.recordFailure(user, ticket);
      throw method.refused();
    }
    const { proof, recovery } = match;
    if (proof.claim && !recovery) {
      const claim = proof.claim;
      const result = await this.login.issueSession(user, input.client, null, {
        method: input.method,
        newDevice,
        require: {
          statements: [this.challenges.completeStatement(input.challengeId), claim],
          refused: async () => {
            await this.lock.releaseCheck(ticket);
            return (await this.challenges.isOpen(input.challengeId)) ? invalidCode() : challengeGone();
          },
        },
      });
      await this.lock.clearFailures(userId);
      return this.trustIfAsked(input, user, result);
    }
    if (!(await this.challenges.complete(input.challengeId))) {
      await this.lock.releaseCheck(ticket);
      throw challengeGone();
    }
    await this.lock.clearFailures(userId);
    if (recovery) {
      // The other factors are lost: remove them so the restricted session must set one up again.
      await this.reset.recover(user, proof, recovery.keep, recovery.reason);
      return this.login.issueSession(user, input.client, 'mfa_recovery', { method: `${input.method}_recovery` });
    }
    const result = await this.login.issueSession(user, input.client, null, { method: input.method, within: proof.spend, newDevice });
    return this.trustIfAsked(input, user, result);
  }

  private async trustIfAsked(input: CompleteMfaInput, user: User, result: LoginResult): Promise<CompleteMfaResult> {
    if (!input.trustDevice) {
      return result;
    }
    const device = await this.trustedDevices.trust(user, input.client);
    return { ...result, device };
  }
}
