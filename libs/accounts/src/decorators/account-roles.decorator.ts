import { ApiProblem } from '@latchkey/core';
import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';

import { AccountRole } from '../account-role';
import { ACCOUNT_ROLE_KEY, AccountRoleGuard } from '../guards/account-role.guard';

/** The least role a route under accounts/:accountId needs. Metadata, guard and docs in a fixed order. */
export const AccountRoles = (least: AccountRole) =>
  applyDecorators(
    SetMetadata(ACCOUNT_ROLE_KEY, least),
    UseGuards(AccountRoleGuard),
    ApiParam({ name: 'accountId', type: String, format: 'uuid', description: 'The account (tenant)' }),
    ApiProblem(
      403,
      `Needs the ${least} role or higher, the caller's IP is not on the account's allow-list, or the account requires 2FA the caller has not set up`,
    ),
    ApiProblem(404, 'No such account, or the caller is not a member of it'),
  );
