import { SecondFactorProof } from '@latchkey/auth';
import { User, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { BackupCodesService } from './backup-codes/backup-codes.service';
import { MfaStatusDto } from './dto/mfa.dto';
import { FactorKind, MfaFactor } from './entities/mfa-factor.entity';
import { FactorsRepository } from './factors.repository';
import { FactorRegistry } from './factors/factor-registry';
import { MfaReset } from './factors/mfa-reset.service';
import { MfaLock } from './mfa-lock';
import { TwoFactorRequirement } from './two-factor-requirement';

/**
 * What other libs ask of MFA: whether a user has a second factor, their status, a code check
 * (reauth, password reset) and a full reset (support). Enrolment and sign-in live in their own
 * use cases; every factor kind is reached through FactorRegistry.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly registry: FactorRegistry,
    private readonly requirement: TwoFactorRequirement,
    private readonly lock: MfaLock,
    private readonly users: UsersService,
    private readonly reset: MfaReset,
  ) {}

  async hasSecondFactor(userId: string): Promise<boolean> {
    return (await this.factors.findConfirmed(userId)).length > 0;
  }

  async status(userId: string): Promise<MfaStatusDto> {
    const confirmed = await this.factors.findConfirmed(userId);
    const backupCodesRemaining = confirmed.length > 0 ? await this.backupCodes.remaining(userId) : 0;
    const kinds = Object.assign({}, ...this.registry.strategies().map((s) => s.describe(confirmed))) as Pick<
      MfaStatusDto,
      'totp' | 'authenticators' | 'sms' | 'passkeys'
    >;
    return {
      enabled: confirmed.length > 0,
      ...kinds,
      backupCodesRemaining,
      requiredBy: await this.requirement.requiredBy(userId),
      methods: this.methodsOf(confirmed, backupCodesRemaining),
    };
  }

  /** What a challenge offers a user with these confirmed factors, in the registry's order. */
  methodsOf(confirmed: MfaFactor[], backupCodesRemaining: number): string[] {
    return this.registry
      .methods()
      .filter((m) => m.offered(confirmed, backupCodesRemaining))
      .map((m) => m.method);
  }

  /**
   * For reauth and password reset: a code of any method that takes one without a challenge (an
   * authenticator, a texted code, a backup code), checked under the lock (the check is reserved
   * first). Nothing is spent until the caller spends the proof.
   */
  async check(userId: string, code: string): Promise<SecondFactorProof | undefined> {
    const ticket = await this.lock.reserveCheck(userId);
    const user = await this.users.get(userId);
    let proof: SecondFactorProof | undefined;
    try {
      for (const method of this.registry.methods()) {
        proof = await method.verifyCode?.(user, code);
        if (proof) {
          break;
        }
      }
    } catch (err) {
      await this.lock.releaseCheck(ticket);
      throw err;
    }
    if (!proof) {
      await this.lock.recordFailure(user, ticket);
      return undefined;
    }
    await this.lock.releaseCheck(ticket);
    return proof;
  }

  /** Removes every factor, backup code, pending SMS code and trusted device; emails and audits it. */
  wipe(user: User, reason: string, actorUserId: string | null, m: EntityManager, keep: FactorKind[] = []): Promise<void> {
    return this.reset.wipe(user, reason, actorUserId, m, keep);
  }
}
