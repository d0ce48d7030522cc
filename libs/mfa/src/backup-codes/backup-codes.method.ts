import { SecondFactorProof } from '@latchkey/auth';
import { Clock } from '@latchkey/core';
import { User } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';

import { MfaFactor } from '../entities/mfa-factor.entity';
import { ChallengeAnswer, MethodMatch, SignInMethod } from '../factors/factor-strategy';
import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from '../mfa.constants';
import { invalidCode } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { BackupCodesService } from './backup-codes.service';

/**
 * Backup codes answer a challenge like a factor, but they are a recovery method, not a factor
 * strategy: they are no row of mfa_factors, are never enrolled on their own (they come with the
 * first factor and go with the last), do not count as having 2FA, and are never described as
 * one. So this is a SignInMethod only.
 */
@Injectable()
export class BackupCodesMethod implements SignInMethod {
  readonly method = 'backup_code';

  constructor(
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly backupCodes: BackupCodesService,
    private readonly notifier: MfaNotifier,
    private readonly clock: Clock,
  ) {}

  offered(confirmed: MfaFactor[], backupCodesRemaining: number): boolean {
    return confirmed.length > 0 && backupCodesRemaining > 0;
  }

  async verify(answer: ChallengeAnswer): Promise<MethodMatch | undefined> {
    const proof = await this.verifyCode(answer.user, answer.code);
    return proof && { proof };
  }

  /** An unused backup code; spending it tells the user (and warns when few remain), in the same transaction. */
  async verifyCode(user: User, code: string): Promise<SecondFactorProof | undefined> {
    const id = await this.backupCodes.match(user.id, code);
    if (!id) {
      return undefined;
    }
    return {
      spend: async (m) => {
        if (!(await this.backupCodes.consumeById(id, this.clock.now(), m))) {
          throw invalidCode();
        }
        const remaining = await this.backupCodes.remaining(user.id, m);
        await this.notifier.record(
          { action: MfaAuditAction.BackupCodeUsed, actorUserId: user.id, subjectUserId: user.id, metadata: { remaining } },
          m,
        );
        await this.notifier.notify(user, 'security.backup_code_used', { remaining, when: this.clock.now().toUTCString() }, m);
        if (remaining <= this.options.backupCodesLowAt) {
          await this.notifier.notify(user, 'security.backup_codes_low', { remaining }, m);
        }
      },
    };
  }

  refused(): Error {
    return invalidCode();
  }
}
