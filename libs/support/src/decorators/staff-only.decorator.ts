import { ApiProblem, StaffRole } from '@latchkey/core';
import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';

import { STAFF_ROLE_KEY, StaffGuard } from '../guards/staff.guard';

/** The least staff role a route needs. Metadata, guard and docs in a fixed order. */
export const StaffOnly = (least: StaffRole) =>
  applyDecorators(
    SetMetadata(STAFF_ROLE_KEY, least),
    UseGuards(StaffGuard),
    ApiProblem(404, 'The caller is not staff (or the resource does not exist)'),
    ApiProblem(
      403,
      least === 'support_lead'
        ? 'Needs a support lead; or staff without two-factor authentication (STAFF_2FA_REQUIRED)'
        : 'Staff without two-factor authentication (STAFF_2FA_REQUIRED)',
    ),
  );
