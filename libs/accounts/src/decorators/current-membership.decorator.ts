import { createParamDecorator, ExecutionContext } from '@nestjs/common';

import { AccountScopedRequest, ActiveMembership } from '../guards/account-role.guard';

/** The caller's membership resolved by AccountRoleGuard; throws if a route forgot @AccountRoles(). */
export const CurrentMembership = createParamDecorator((_data: unknown, ctx: ExecutionContext): ActiveMembership => {
  const membership = ctx.switchToHttp().getRequest<AccountScopedRequest>().membership;
  if (!membership) {
    throw new Error('@CurrentMembership() used on a route without @AccountRoles()');
  }
  return membership;
});
