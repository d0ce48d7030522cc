import { UserPrincipal, StaffGate, coreError } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

import { authError } from './auth.exception';
import { SignInSteps } from './sign-in-steps';

/** Staff act on other people's accounts: they must have a second factor. */
@Injectable()
export class StaffTwoFactorGate extends StaffGate {
  constructor(private readonly steps: SignInSteps) {
    super();
  }

  async assertStaff(principal: UserPrincipal): Promise<void> {
    if (!principal.staffRole) {
      throw coreError('NOT_FOUND', 'Not found.');
    }
    if (!(await this.steps.secondFactor.hasSecondFactor(principal.userId))) {
      throw authError(
        'STAFF_2FA_REQUIRED',
        'Staff must use two-factor authentication: set up an authenticator app in your security settings, then try again.',
      );
    }
  }
}
