import { ReauthService } from '@latchkey/auth';
import { Clock, UserPrincipal } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { FactorsRepository } from '../factors.repository';
import { mfaError } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { FactorStrategy } from './factor-strategy';

/** What removing any factor does: the proof it needs, and what follows once one is gone. */
@Injectable()
export class FactorRemoval {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly users: UsersService,
    private readonly reauth: ReauthService,
    private readonly notifier: MfaNotifier,
    private readonly clock: Clock,
  ) {}

  /** Removes the user's factor of a one-per-user kind (password and a current code required). */
  async removeOnly(principal: UserPrincipal, strategy: FactorStrategy, proof: { password?: string; code?: string }): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    const user = await this.users.get(principal.userId);
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const factor = await this.factors.find(user.id, strategy.kind, m);
      if (!factor?.confirmedAt || !(await this.factors.remove(user.id, strategy.kind, m))) {
        throw mfaError('MFA_FACTOR_NOT_FOUND', strategy.notSetUp);
      }
      const revoked = await this.factorRemoved(user.id, m);
      await this.notifier.record(
        { action: strategy.actions.disabled, actorUserId: user.id, subjectUserId: user.id, metadata: { trustedDevicesRevoked: revoked } },
        m,
      );
      await this.notifier.notify(user, 'security.mfa_disabled', { method: strategy.label, when: now.toUTCString() }, m);
    });
  }

  /** After a factor was removed in `m`: no backup codes without a factor; trusted devices are revoked. */
  async factorRemoved(userId: string, m: EntityManager): Promise<number> {
    if ((await this.factors.findConfirmed(userId, m)).length === 0) {
      await this.backupCodes.removeAll(userId, m);
    }
    return this.trustedDevices.revokeAll(userId, m);
  }
}
