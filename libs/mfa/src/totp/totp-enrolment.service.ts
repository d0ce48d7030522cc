import { APP_CONFIG, AppConfig, Clock, UserPrincipal, SecretBox } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { FactorEnabledDto, TotpSetupResponseDto } from '../dto/mfa.dto';
import { FactorsRepository } from '../factors.repository';
import { FactorEnrolment } from '../factors/factor-enrolment.service';
import { FactorRemoval } from '../factors/factor-removal.service';
import { invalidCode, mfaError } from '../mfa.exception';
import { Totp } from './totp';
import { TotpFactor } from './totp.factor';

type Proof = { password?: string; code?: string };

/** Adding an authenticator app (a secret shown once, confirmed with a code) and removing it. */
@Injectable()
export class TotpEnrolment {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factors: FactorsRepository,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly totp: TotpFactor,
    private readonly enrolment: FactorEnrolment,
    private readonly removal: FactorRemoval,
  ) {}

  async start(principal: UserPrincipal, proof: Proof = {}): Promise<TotpSetupResponseDto> {
    const reauthenticated = await this.enrolment.assertMayAddFactor(principal, proof);
    const secret = Totp.generateSecret();
    await this.dataSource.transaction(async (m) => {
      const ok = await this.factors.upsertPending(
        principal.userId,
        this.totp.kind,
        { secretSealed: this.secrets.seal(secret, principal.userId) },
        this.clock.now(),
        m,
      );
      if (!ok) {
        throw mfaError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up. Remove it first to set up another one.');
      }
      await reauthenticated?.spend(m);
    });
    const otpauthUri = Totp.uri(this.config.auth.totpIssuer, principal.email, secret);
    return { secret, otpauthUri, qrCode: await Totp.qrDataUrl(otpauthUri) };
  }

  async confirm(principal: UserPrincipal, code: string): Promise<FactorEnabledDto> {
    const factor = await this.factors.find(principal.userId, this.totp.kind);
    if (!factor || factor.confirmedAt || !factor.secretSealed) {
      throw factor?.confirmedAt
        ? mfaError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up.')
        : mfaError('MFA_SETUP_NOT_STARTED', 'Start the authenticator setup first.');
    }
    const step = this.totp.step(factor.secretSealed, principal.userId, code);
    if (step === undefined) {
      throw invalidCode();
    }
    return this.enrolment.enable(principal, factor, this.totp, step);
  }

  remove(principal: UserPrincipal, proof: Proof): Promise<void> {
    return this.removal.removeOnly(principal, this.totp, proof);
  }
}
