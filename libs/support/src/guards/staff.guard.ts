import { Principal, StaffRole } from '@latchkey/core';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { staffOnlyNotFound, supportError } from '../support.exception';

export const STAFF_ROLE_KEY = 'latchkey:staff-role';

const RANK: Record<StaffRole, number> = { support: 1, support_lead: 2 };

/**
 * Staff authorization after the global session guard. Anyone who is not staff gets the same
 * 404 as an unknown route, so the staff surface cannot be mapped; a support agent calling a
 * lead-only route learns it needs a lead (403).
 */
@Injectable()
export class StaffGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const least = this.reflector.getAllAndOverride<StaffRole | undefined>(STAFF_ROLE_KEY, [context.getHandler(), context.getClass()]);
    if (!least) {
      return true;
    }
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    const role = principal?.staffRole ?? null;
    if (!role) {
      throw staffOnlyNotFound();
    }
    if (RANK[role] < RANK[least]) {
      throw supportError('LEAD_REQUIRED', 'This needs a support lead.');
    }
    return true;
  }
}
