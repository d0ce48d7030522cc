import { Clock, UserPrincipal } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { FactorEnabledDto, SmsSentDto } from '../dto/mfa.dto';
import { FactorsRepository } from '../factors.repository';
import { FactorEnrolment } from '../factors/factor-enrolment.service';
import { FactorRemoval } from '../factors/factor-removal.service';
import { invalidCode, mfaError } from '../mfa.exception';
import { SmsGuard } from '../sms-guard';
import { SmsCodesService } from './sms-codes.service';
import { SmsSender, maskPhone } from './sms-sender';
import { SmsFactor } from './sms.factor';

type Proof = { password?: string; code?: string };

/** Adding a phone (a texted code confirms it; the SMS-pumping guard first) and removing it. */
@Injectable()
export class SmsEnrolment {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly factors: FactorsRepository,
    private readonly smsCodes: SmsCodesService,
    private readonly sms: SmsSender,
    private readonly smsGuard: SmsGuard,
    private readonly clock: Clock,
    private readonly smsFactor: SmsFactor,
    private readonly enrolment: FactorEnrolment,
    private readonly removal: FactorRemoval,
  ) {}

  async start(principal: UserPrincipal, phone: string, proof: Proof = {}): Promise<SmsSentDto> {
    const reauthenticated = await this.enrolment.assertMayAddFactor(principal, proof);
    await this.smsGuard.assertMayAddPhone(principal.userId, phone);
    // The sending limits first: a refused request must not spend the code given as proof.
    await this.smsGuard.reserve(principal.userId, phone, 'setup');
    await this.smsCodes.reserveSend(principal.userId, 'setup');
    const { code, expiresAt } = await this.dataSource.transaction(async (m) => {
      const ok = await this.factors.upsertPending(principal.userId, this.smsFactor.kind, { phone }, this.clock.now(), m);
      if (!ok) {
        throw mfaError('MFA_ALREADY_ENABLED', 'A phone is already set up. Remove it first to use another number.');
      }
      await reauthenticated?.spend(m);
      return this.smsCodes.store(principal.userId, 'setup', null, m);
    });
    await this.sms.send(phone, `Your Latchkey code to add this phone is ${code}. It expires in 10 minutes.`);
    return { status: 'sent', phone: maskPhone(phone), expiresAt: expiresAt.toISOString() };
  }

  async confirm(principal: UserPrincipal, code: string): Promise<FactorEnabledDto> {
    const factor = await this.factors.find(principal.userId, this.smsFactor.kind);
    if (!factor || factor.confirmedAt) {
      throw factor?.confirmedAt
        ? mfaError('MFA_ALREADY_ENABLED', 'A phone is already set up.')
        : mfaError('MFA_SETUP_NOT_STARTED', 'Send a code to your phone first.');
    }
    if (!(await this.smsCodes.verify({ userId: principal.userId, purposes: ['setup'], challengeId: null }, code))) {
      throw invalidCode();
    }
    return this.enrolment.enable(principal, factor, this.smsFactor, null);
  }

  remove(principal: UserPrincipal, proof: Proof): Promise<void> {
    return this.removal.removeOnly(principal, this.smsFactor, proof);
  }
}
