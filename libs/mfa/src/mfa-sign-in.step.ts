import { SignInContext, SignInDecision, SignInStep, SignInSteps } from '@latchkey/auth';
import { Injectable, OnModuleInit } from '@nestjs/common';

import { BackupCodesService } from './backup-codes/backup-codes.service';
import { ChallengesService } from './challenges/challenges.service';
import { FactorsRepository } from './factors.repository';
import { MfaService } from './mfa.service';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

/** Plugs MFA into the sign-in flow: a challenge unless the device is trusted. */
@Injectable()
export class MfaSignInStep implements SignInStep, OnModuleInit {
  readonly name = 'mfa';
  readonly order = 10;

  constructor(
    private readonly steps: SignInSteps,
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly challenges: ChallengesService,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly mfa: MfaService,
  ) {}

  onModuleInit(): void {
    this.steps.register(this);
    this.steps.provideSecondFactor({
      hasSecondFactor: (userId) => this.mfa.hasSecondFactor(userId),
      hasSecondFactorFact: (userId) => this.factors.confirmedFact(userId),
      check: (userId, code) => this.mfa.check(userId, code),
    });
  }

  async evaluate(ctx: SignInContext): Promise<SignInDecision | undefined> {
    if (ctx.bothFactorsBy) {
      return undefined;
    }
    // Read with the other steps' facts: a user without a factor costs no more reads here.
    if (!ctx.hasSecondFactor) {
      return undefined;
    }
    const confirmed = await this.factors.findConfirmed(ctx.user.id);
    if (confirmed.length === 0) {
      // Removed since the facts were read: the later steps (a policy requiring 2FA) go by that.
      ctx.hasSecondFactor = false;
      return undefined;
    }
    if (await this.trustedDevices.isTrusted(ctx.user.id, ctx.deviceToken)) {
      return undefined;
    }
    const challenge = await this.challenges.create(ctx.user.id);
    return {
      kind: 'challenge',
      response: {
        challengeId: challenge.id,
        methods: this.mfa.methodsOf(confirmed, await this.backupCodes.remaining(ctx.user.id)),
        expiresAt: challenge.expiresAt.toISOString(),
      },
    };
  }
}
