import { ApiProblem, StaffRole } from '@latchkey/core';
import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';

import { STAFF_ROLE_KEY, StaffGuard } from '../guards/staff.guard';

/** The least staff role a route needs. Metadata, guard and docs in a fixed order. */
export const StaffOnly = (least: StaffRole) =>
  applyDecorators(
    SetMetadata(STAFF_ROLE_KEY, least),
    UseGuards(StaffGuard),
    ApiProblem(404, 'The caller is not staff (or the resource does not exist)'),
    ...(least === 'support_lead' ? [ApiProblem(403, 'Needs a support lead')] : []),
  );
