import { ReauthService } from '@latchkey/auth';
import { UsersService } from '@latchkey/users';
import { Clock, UserPrincipal, isUniqueViolation, isoTime } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { FactorDto } from '../dto/mfa.dto';
import { MfaFactor } from '../entities/mfa-factor.entity';
import { FactorsRepository } from '../factors.repository';
import { mfaError } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { FactorRegistry } from './factor-registry';
import { FactorRemoval } from './factor-removal.service';

/** The user's factors one by one, of every kind: the list, renaming and removal by id. */
@Injectable()
export class FactorList {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly factors: FactorsRepository,
    private readonly registry: FactorRegistry,
    private readonly notifier: MfaNotifier,
    private readonly removal: FactorRemoval,
    private readonly reauth: ReauthService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async list(userId: string): Promise<FactorDto[]> {
    const confirmed = await this.factors.findConfirmed(userId);
    return confirmed.filter((f) => this.registry.find(f.kind)).map((f) => this.toDto(f));
  }

  /**
   * Renames a factor of a kind the user names (an authenticator app, a passkey); 400 for kinds
   * named otherwise (a phone), 404 when it is not the user's, 409 when another authenticator has
   * the name. Audited with the kind's `renamed` action.
   */
  async rename(principal: UserPrincipal, id: string, name: string): Promise<FactorDto> {
    const before = await this.factors.findById(principal.userId, id);
    const strategy = before?.confirmedAt ? this.registry.find(before.kind) : undefined;
    if (!before || !strategy) {
      throw mfaError('MFA_FACTOR_NOT_FOUND', 'No such factor.');
    }
    const renamed = strategy.actions.renamed;
    if (!renamed) {
      throw mfaError('MFA_FACTOR_NOT_NAMED', `${strategy.label} has no name of its own.`, {
        errors: [{ field: 'name', message: 'cannot be set on this kind of factor' }],
      });
    }
    const now = this.clock.now();
    try {
      await this.dataSource.transaction(async (m) => {
        if (!(await this.factors.rename(principal.userId, id, name, now, m))) {
          throw mfaError('MFA_FACTOR_NOT_FOUND', 'No such factor.');
        }
        await this.notifier.record(
          {
            action: renamed,
            actorUserId: principal.userId,
            subjectUserId: principal.userId,
            metadata: { factorId: id, from: before.name, to: name },
          },
          m,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw mfaError('MFA_FACTOR_NAME_TAKEN', 'You already have an authenticator with that name.', {
          errors: [{ field: 'name', message: 'is already used by another of your authenticators' }],
        });
      }
      throw err;
    }
    return this.toDto({ ...before, name, updatedAt: now } as MfaFactor);
  }

  /** Removes one confirmed factor of any kind by id (password and a current code required); 404 when it is not the user's. */
  async remove(principal: UserPrincipal, id: string, proof: { password?: string; code?: string }): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    const user = await this.users.get(principal.userId);
    await this.dataSource.transaction(async (m) => {
      const factor = await this.factors.findById(principal.userId, id, m);
      const strategy = factor?.confirmedAt ? this.registry.find(factor.kind) : undefined;
      if (!factor || !strategy) {
        throw mfaError('MFA_FACTOR_NOT_FOUND', 'No such factor.');
      }
      await this.removal.removeIn(user, factor, strategy, reauthenticated, m);
    });
  }

  private toDto(f: MfaFactor): FactorDto {
    return {
      id: f.id,
      kind: f.kind,
      name: f.name ?? this.registry.find(f.kind)?.nameOf?.(f) ?? null,
      createdAt: isoTime(f.createdAt)!,
      lastUsedAt: isoTime(f.lastUsedAt),
    };
  }
}
