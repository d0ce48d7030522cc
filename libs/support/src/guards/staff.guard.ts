import { Principal, StaffRole } from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { staffOnlyNotFound, supportError } from '../support.exception';

export const STAFF_ROLE_KEY = 'latchkey:staff-role';

const RANK: Record<StaffRole, number> = { support: 1, support_lead: 2 };

/**
 * Staff authorization after the global session guard. Anyone who is not staff gets the same
 * 404 as an unknown route, so the staff surface cannot be mapped; a support agent calling a
 * lead-only route learns it needs a lead (403). Staff act on other people's accounts, so a staff
 * member without a second factor is refused (403 STAFF_2FA_REQUIRED) until they set one up.
 */
@Injectable()
export class StaffGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly mfa: MfaService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const least = this.reflector.getAllAndOverride<StaffRole | undefined>(STAFF_ROLE_KEY, [context.getHandler(), context.getClass()]);
    if (!least) {
      return true;
    }
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    // A service credential acts for no user (and never reaches a staff route); an API key's staffRole is always null.
    const role = principal && principal.kind !== 'service' ? principal.staffRole : null;
    if (!principal || principal.kind === 'service' || !role) {
      throw staffOnlyNotFound();
    }
    if (!(await this.mfa.hasSecondFactor(principal.userId))) {
      throw supportError(
        'STAFF_2FA_REQUIRED',
        'Staff must use two-factor authentication: set up an authenticator app in your security settings, then try again.',
      );
    }
    if (RANK[role] < RANK[least]) {
      throw supportError('LEAD_REQUIRED', 'This needs a support lead.');
    }
    return true;
  }
}
