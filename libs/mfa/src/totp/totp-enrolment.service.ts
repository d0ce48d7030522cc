import { Reauthenticated } from '@latchkey/auth';
import { APP_CONFIG, AppConfig, Clock, UserPrincipal, SecretBox, isUniqueViolation } from '@latchkey/core';
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

/** What the first authenticator (and every one from before they had names) is called. */
export const DEFAULT_AUTHENTICATOR_NAME = 'Authenticator app';

/**
 * Authenticator apps one user may hold (passkeys: MAX_PASSKEYS). A sign-in code is checked
 * against each of them, so the list stays short; 10 is more than anyone keeps in practice.
 */
export const MAX_AUTHENTICATORS = 10;

const tooMany = () =>
  mfaError('MFA_TOO_MANY_FACTORS', `You have ${MAX_AUTHENTICATORS} authenticator apps, the most an account can hold. Remove one first.`);

export const nameTaken = () =>
  mfaError('MFA_FACTOR_NAME_TAKEN', 'You already have an authenticator with that name.', {
    errors: [{ field: 'name', message: 'is already used by another of your authenticators' }],
  });

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

  /**
   * The old route (POST /me/mfa/totp/setup): one authenticator, 409 when one is set up. It is
   * called "Authenticator app"; add further ones with `add`.
   */
  async start(principal: UserPrincipal, proof: Proof = {}): Promise<TotpSetupResponseDto> {
    const reauthenticated = await this.enrolment.assertMayAddFactor(principal, proof);
    if ((await this.factors.findConfirmedOfKind(principal.userId, this.totp.kind)).length > 0) {
      throw mfaError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up. Add another one from your list of factors.');
    }
    return this.begin(principal, DEFAULT_AUTHENTICATOR_NAME, reauthenticated);
  }

  /** Another (or a first) authenticator app, named; pending until confirmed with a code of it. */
  async add(principal: UserPrincipal, name: string, proof: Proof = {}): Promise<TotpSetupResponseDto> {
    const reauthenticated = await this.enrolment.assertMayAddFactor(principal, proof);
    if ((await this.factors.findConfirmedOfKind(principal.userId, this.totp.kind)).length >= MAX_AUTHENTICATORS) {
      throw tooMany();
    }
    if (await this.factors.nameTaken(principal.userId, this.totp.kind, name, null)) {
      throw nameTaken();
    }
    return this.begin(principal, name, reauthenticated);
  }

  private async begin(principal: UserPrincipal, name: string, reauthenticated: Reauthenticated | undefined): Promise<TotpSetupResponseDto> {
    const secret = Totp.generateSecret();
    await this.dataSource.transaction(async (m) => {
      const ok = await this.factors.upsertPending(
        principal.userId,
        this.totp.kind,
        { secretSealed: this.secrets.seal(secret, principal.userId), name },
        this.clock.now(),
        m,
      );
      if (!ok) {
        throw mfaError('MFA_ALREADY_ENABLED', 'An authenticator setup was started at the same time. Try again.');
      }
      await reauthenticated?.spend(m);
    });
    const otpauthUri = Totp.uri(this.config.auth.totpIssuer, principal.email, secret);
    return { secret, otpauthUri, qrCode: await Totp.qrDataUrl(otpauthUri), name };
  }

  async confirm(principal: UserPrincipal, code: string): Promise<FactorEnabledDto> {
    const factor = await this.factors.findPending(principal.userId, this.totp.kind);
    if (!factor?.secretSealed) {
      throw (await this.factors.findConfirmedOfKind(principal.userId, this.totp.kind)).length > 0
        ? mfaError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up.')
        : mfaError('MFA_SETUP_NOT_STARTED', 'Start the authenticator setup first.');
    }
    const step = this.totp.step(factor.secretSealed, principal.userId, code);
    if (step === undefined) {
      throw invalidCode();
    }
    // Checked again here: one pending setup per user, so no two confirmations can both pass it.
    if ((await this.factors.findConfirmedOfKind(principal.userId, this.totp.kind)).length >= MAX_AUTHENTICATORS) {
      throw tooMany();
    }
    try {
      return await this.enrolment.enable(principal, factor, this.totp, step);
    } catch (err) {
      // Another authenticator got the same name while this one was pending (mfa_factors_totp_name_uq).
      if (isUniqueViolation(err)) {
        throw nameTaken();
      }
      throw err;
    }
  }

  remove(principal: UserPrincipal, proof: Proof): Promise<void> {
    return this.removal.removeOnly(principal, this.totp, proof);
  }
}
