import { ReauthService } from '@latchkey/auth';
import { Clock, UserPrincipal } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { FactorsRepository } from '../factors.repository';
import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from '../mfa.constants';
import { mfaError } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { BackupCodesService } from './backup-codes.service';

/** A new set of backup codes on request; the old ones stop working. */
@Injectable()
export class BackupCodesRegeneration {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly reauth: ReauthService,
    private readonly notifier: MfaNotifier,
    private readonly clock: Clock,
  ) {}

  async regenerate(principal: UserPrincipal, proof: { password?: string; code?: string }): Promise<string[]> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    if ((await this.factors.findConfirmed(principal.userId)).length === 0) {
      throw mfaError('MFA_FACTOR_NOT_FOUND', 'Set up two-factor authentication first.');
    }
    return this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const codes = await this.backupCodes.replace(principal.userId, this.options.backupCodeCount, this.clock.now(), m);
      await this.notifier.record(
        { action: MfaAuditAction.BackupCodesRegenerated, actorUserId: principal.userId, subjectUserId: principal.userId },
        m,
      );
      return codes;
    });
  }
}
