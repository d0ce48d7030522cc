import { Clock, PasswordHasher, Principal } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { authError } from './auth.exception';
import { SignInSteps } from './sign-in-steps';

const RECENT_MS = 5 * 60_000;

/**
 * Sensitive changes need proof it is still you: the session signed in (or re-authenticated)
 * in the last 5 minutes, or the body carries the password and, with 2FA, a current code.
 */
@Injectable()
export class ReauthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly steps: SignInSteps,
    private readonly clock: Clock,
  ) {}

  isRecent(principal: Principal): boolean {
    return principal.reauthenticatedAt !== null && this.clock.nowMs() - principal.reauthenticatedAt.getTime() < RECENT_MS;
  }

  async assert(principal: Principal, proof: { password?: string; code?: string }, options: { requireProof?: boolean } = {}): Promise<void> {
    if (!options.requireProof && this.isRecent(principal) && !proof.password) {
      return;
    }
    if (!proof.password) {
      throw authError('REAUTH_REQUIRED', 'Confirm it is you: send your current password (and a 2FA code if you use one).', {
        errors: [{ field: 'password', message: 'is required for this change' }],
      });
    }
    const user = await this.users.get(principal.userId);
    if (!user.passwordHash || !(await this.hasher.verify(user.passwordHash, proof.password))) {
      throw authError('WRONG_PASSWORD', 'The password is not right.', { errors: [{ field: 'password', message: 'is not right' }] });
    }
    const secondFactor = this.steps.secondFactor;
    if (secondFactor && (await secondFactor.hasSecondFactor(user.id))) {
      if (!proof.code) {
        throw authError('MFA_CODE_REQUIRED', 'Also send a current code from your authenticator, an SMS code or a backup code.', {
          errors: [{ field: 'code', message: 'is required because two-factor authentication is on' }],
        });
      }
      if (!(await secondFactor.verify(user.id, proof.code))) {
        throw authError('INVALID_MFA_CODE', 'That code is not right.', { errors: [{ field: 'code', message: 'is not right' }] });
      }
    }
  }
}
