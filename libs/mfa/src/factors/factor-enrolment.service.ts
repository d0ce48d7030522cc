import { Reauthenticated, ReauthService } from '@latchkey/auth';
import { Clock, UserPrincipal, sessionIdOf } from '@latchkey/core';
import { SessionsService } from '@latchkey/sessions';
import { UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { FactorEnabledDto } from '../dto/mfa.dto';
import { MfaFactor } from '../entities/mfa-factor.entity';
import { FactorsRepository } from '../factors.repository';
import { MFA_OPTIONS, MfaOptions } from '../mfa.constants';
import { mfaError } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { FactorStrategy, factorTitle } from './factor-strategy';

/** What adding any factor does: the proof it needs, and what follows once one is confirmed. */
@Injectable()
export class FactorEnrolment {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly reauth: ReauthService,
    private readonly notifier: MfaNotifier,
    private readonly clock: Clock,
  ) {}

  async hasFactor(userId: string, m?: EntityManager): Promise<boolean> {
    return (await this.factors.findConfirmed(userId, m)).length > 0;
  }

  /**
   * Adding a factor next to an existing one needs a fresh sign-in or proof: otherwise a stolen
   * session could add the thief's phone and later "recover" the account with it.
   */
  async assertMayAddFactor(principal: UserPrincipal, proof: { password?: string; code?: string }): Promise<Reauthenticated | undefined> {
    return (await this.hasFactor(principal.userId)) ? this.reauth.assert(principal, proof) : undefined;
  }

  /** Confirms a pending factor of `strategy`'s kind: audited, mailed, with backup codes when it is the first. */
  async enable(principal: UserPrincipal, factor: MfaFactor, strategy: FactorStrategy, step: number | null): Promise<FactorEnabledDto> {
    const user = await this.users.get(principal.userId);
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const hadFactor = await this.hasFactor(user.id, m);
      if (!(await this.factors.confirm(factor.id, now, step, m))) {
        throw mfaError('MFA_ALREADY_ENABLED', 'This factor is already set up.');
      }
      const backupCodes = await this.factorAdded(principal, hadFactor, now, m);
      await this.notifier.record(
        {
          action: strategy.actions.enabled,
          actorUserId: user.id,
          subjectUserId: user.id,
          metadata: { factorId: factor.id, name: factor.name },
        },
        m,
      );
      await this.notifier.notify(user, 'security.mfa_enabled', { method: factorTitle(strategy, factor), when: now.toUTCString() }, m);
      return { status: 'enabled', method: strategy.kind, ...(backupCodes ? { backupCodes } : {}) };
    });
  }

  /**
   * After a factor was confirmed in `m`: backup codes with the first factor (or when none are
   * left), and a session restricted to enrolment becomes a full one.
   */
  async factorAdded(principal: UserPrincipal, hadFactor: boolean, now: Date, m: EntityManager): Promise<string[] | undefined> {
    let backupCodes: string[] | undefined;
    if (!hadFactor || (await this.backupCodes.remaining(principal.userId, m)) === 0) {
      backupCodes = await this.backupCodes.replace(principal.userId, this.options.backupCodeCount, now, m);
    }
    if (principal.restriction) {
      await this.sessions.setRestriction(principal.userId, sessionIdOf(principal), null, m);
    }
    return backupCodes;
  }
}
