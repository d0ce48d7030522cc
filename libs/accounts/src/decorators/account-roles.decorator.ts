import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse } from '@nestjs/swagger';

import { AccountRole } from '../account-role';
import { ACCOUNT_ROLE_KEY, AccountRoleGuard } from '../guards/account-role.guard';

/** The least role a route under accounts/:accountId needs. Metadata, guard and docs in a fixed order. */
export const AccountRoles = (least: AccountRole) =>
  applyDecorators(
    SetMetadata(ACCOUNT_ROLE_KEY, least),
    UseGuards(AccountRoleGuard),
    ApiForbiddenResponse({ description: `Needs the ${least} role or higher, or the caller's IP is not on the account's allow-list` }),
    ApiNotFoundResponse({ description: 'No such account, or the caller is not a member of it' }),
  );
