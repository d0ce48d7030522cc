import { Reauthenticated, ReauthService } from '@latchkey/auth';
import { Clock, UserPrincipal } from '@latchkey/core';
import { User, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { MfaFactor } from '../entities/mfa-factor.entity';
import { FactorsRepository } from '../factors.repository';
import { mfaError } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { FactorStrategy, factorTitle } from './factor-strategy';

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

  /**
   * The old one-factor routes (DELETE /me/mfa/totp, /me/mfa/sms): removes the user's factor of
   * the kind when there is exactly one; 409 MFA_SEVERAL_FACTORS when there are several (remove one
   * by id then), 404 when none. Password and a current code required.
   */
  async removeOnly(principal: UserPrincipal, strategy: FactorStrategy, proof: { password?: string; code?: string }): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    const user = await this.users.get(principal.userId);
    await this.dataSource.transaction(async (m) => {
      const confirmed = await this.factors.findConfirmedOfKind(principal.userId, strategy.kind, m);
      if (confirmed.length > 1) {
        throw mfaError(
          'MFA_SEVERAL_FACTORS',
          `There are ${confirmed.length} of these; remove one by its id (DELETE /me/mfa/factors/{id}).`,
        );
      }
      await this.removeIn(user, confirmed[0], strategy, reauthenticated, m);
    });
  }

  /** Spends the proof and removes `factor` in `m`: 404 when it is gone; audited and mailed. */
  async removeIn(
    user: User,
    factor: MfaFactor | undefined,
    strategy: FactorStrategy,
    reauthenticated: Reauthenticated,
    m: EntityManager,
  ): Promise<void> {
    const now = this.clock.now();
    await reauthenticated.spend(m);
    if (!factor || !(await this.factors.removeById(user.id, factor.id, m))) {
      throw mfaError('MFA_FACTOR_NOT_FOUND', strategy.notSetUp);
    }
    const revoked = await this.factorRemoved(user.id, m);
    await this.notifier.record(
      {
        action: strategy.actions.disabled,
        actorUserId: user.id,
        subjectUserId: user.id,
        metadata: { factorId: factor.id, name: factor.name, trustedDevicesRevoked: revoked },
      },
      m,
    );
    await this.notifier.notify(user, 'security.mfa_disabled', { method: factorTitle(strategy, factor), when: now.toUTCString() }, m);
  }

  /** After a factor was removed in `m`: no backup codes without a factor; trusted devices are revoked. */
  async factorRemoved(userId: string, m: EntityManager): Promise<number> {
    if ((await this.factors.findConfirmed(userId, m)).length === 0) {
      await this.backupCodes.removeAll(userId, m);
    }
    return this.trustedDevices.revokeAll(userId, m);
  }
}
