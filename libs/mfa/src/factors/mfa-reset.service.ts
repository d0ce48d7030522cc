import { ReauthService, SecondFactorProof } from '@latchkey/auth';
import { Clock, UserPrincipal } from '@latchkey/core';
import { User, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { FactorKind } from '../entities/mfa-factor.entity';
import { FactorsRepository } from '../factors.repository';
import { MfaAuditAction } from '../mfa.constants';
import { MfaNotifier } from '../mfa-notifier';
import { SmsCodesService } from '../sms/sms-codes.service';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';

/** Turning two-factor off altogether: by the user, by support, or by a recovery sign-in. */
@Injectable()
export class MfaReset {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly smsCodes: SmsCodesService,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly users: UsersService,
    private readonly reauth: ReauthService,
    private readonly notifier: MfaNotifier,
    private readonly clock: Clock,
  ) {}

  async selfReset(principal: UserPrincipal, proof: { password?: string; code?: string }): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    const user = await this.users.get(principal.userId);
    await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      await this.wipe(user, 'you reset it from your security settings', user.id, m);
    });
  }

  /** A recovery sign-in: spends its proof and removes every factor but the one that recovered. */
  async recover(user: User, proof: SecondFactorProof, keep: FactorKind, reason: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await proof.spend(m);
      await this.wipe(user, reason, user.id, m, [keep]);
    });
  }

  /** Removes every factor, backup code, pending SMS code and trusted device; emails and audits it. */
  async wipe(user: User, reason: string, actorUserId: string | null, m: EntityManager, keep: FactorKind[] = []): Promise<void> {
    const confirmed = await this.factors.findConfirmed(user.id, m);
    for (const f of confirmed) {
      if (!keep.includes(f.kind)) {
        await this.factors.remove(user.id, f.kind, m);
      }
    }
    await m.query(`DELETE FROM mfa_factors WHERE user_id = $1 AND confirmed_at IS NULL`, [user.id]);
    await this.backupCodes.removeAll(user.id, m);
    await this.smsCodes.removeAll(user.id, m);
    const revoked = await this.trustedDevices.revokeAll(user.id, m);
    await this.notifier.record(
      {
        action: MfaAuditAction.Reset,
        actorUserId,
        actorKind: actorUserId ? 'user' : 'system',
        subjectUserId: user.id,
        metadata: { reason, removed: confirmed.map((f) => f.kind).filter((k) => !keep.includes(k)), trustedDevicesRevoked: revoked },
      },
      m,
    );
    await this.notifier.notify(user, 'security.mfa_reset', { reason, when: this.clock.now().toUTCString() }, m);
  }
}
