import { Clock, UserPrincipal } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { authError } from './auth.exception';
import { PasswordCheck } from './password-check.service';
import { SignInSteps } from './sign-in-steps';

/** Proof that passed; a code in it is spent by `spend`, inside the transaction of the change it allows. */
export interface Reauthenticated {
  spend(m: EntityManager): Promise<void>;
}

const NOTHING_TO_SPEND: Reauthenticated = { spend: async () => undefined };

const RECENT_MS = 5 * 60_000;

/**
 * Sensitive changes need proof it is still you: the session signed in (or re-authenticated)
 * in the last 5 minutes, or the body carries the password and, with 2FA, a current code. The
 * password goes through the sign-in throttle and lockout; the code is spent only when the caller
 * spends the returned proof in the transaction of the change (a refused change keeps the code).
 */
@Injectable()
export class ReauthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordCheck,
    private readonly steps: SignInSteps,
    private readonly clock: Clock,
  ) {}

  isRecent(principal: UserPrincipal): boolean {
    return principal.reauthenticatedAt !== null && this.clock.nowMs() - principal.reauthenticatedAt.getTime() < RECENT_MS;
  }

  async assert(
    principal: UserPrincipal,
    proof: { password?: string; code?: string },
    options: { requireProof?: boolean } = {},
  ): Promise<Reauthenticated> {
    if (!options.requireProof && this.isRecent(principal) && !proof.password) {
      return NOTHING_TO_SPEND;
    }
    if (!proof.password) {
      // A user without a password (signed up through a provider) proves it with the second factor
      // alone; without one, with a sign-in at the provider in the last 5 minutes (a fresh sign-in,
      // or the provider reauth of connected accounts, prompt=login): the strongest proof they hold.
      const user = await this.users.get(principal.userId);
      if (!user.passwordHash) {
        const twoFactor = await this.steps.secondFactor.hasSecondFactor(user.id);
        if (twoFactor && proof.code) {
          return this.checkCode(user.id, proof.code);
        }
        if (!twoFactor && this.isRecent(principal)) {
          return NOTHING_TO_SPEND;
        }
        throw authError(
          'REAUTH_REQUIRED',
          twoFactor
            ? 'Confirm it is you: send a current code from your authenticator, an SMS code or a backup code.'
            : 'Confirm it is you: sign in with your connected account again (My account > Connected accounts > Confirm it is you).',
          { errors: [{ field: twoFactor ? 'code' : 'password', message: 'is required for this change' }] },
        );
      }
    }
    if (!proof.password) {
      throw authError('REAUTH_REQUIRED', 'Confirm it is you: send your current password (and a 2FA code if you use one).', {
        errors: [{ field: 'password', message: 'is required for this change' }],
      });
    }
    const user = await this.users.get(principal.userId);
    await this.passwords.check(user, proof.password, 'password');
    const secondFactor = this.steps.secondFactor;
    if (await secondFactor.hasSecondFactor(user.id)) {
      if (!proof.code) {
        throw authError('MFA_CODE_REQUIRED', 'Also send a current code from your authenticator, an SMS code or a backup code.', {
          errors: [{ field: 'code', message: 'is required because two-factor authentication is on' }],
        });
      }
      return this.checkCode(user.id, proof.code);
    }
    return NOTHING_TO_SPEND;
  }

  private async checkCode(userId: string, code: string): Promise<Reauthenticated> {
    const matched = await this.steps.secondFactor.check(userId, code);
    if (!matched) {
      throw authError('INVALID_MFA_CODE', 'That code is not right.', { errors: [{ field: 'code', message: 'is not right' }] });
    }
    return matched;
  }
}
