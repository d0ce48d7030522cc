import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

import { DomainException } from '../errors/domain.exception';

export type StaffRole = 'support' | 'support_lead';
export type SessionRestriction = 'mfa_setup_required' | 'mfa_recovery';

/** Who is calling: put on the request by the session guard. */
export interface Principal {
  userId: string;
  sessionId: string;
  email: string;
  staffRole: StaffRole | null;
  restriction: SessionRestriction | null;
  reauthenticatedAt: Date | null;
  via: 'cookie' | 'bearer';
}

export const IS_PUBLIC = 'latchkey:public';
export const ALLOW_RESTRICTED = 'latchkey:allow-restricted';

/** Opts a route out of the global session guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** A restricted session (must enrol MFA first) may call this route. */
export const AllowRestricted = () => SetMetadata(ALLOW_RESTRICTED, true);

export function principalOf(request: { principal?: Principal }): Principal {
  if (!request.principal) {
    throw new DomainException('UNAUTHENTICATED', 'UNAUTHENTICATED', 'Sign in first.');
  }
  return request.principal;
}

/** The signed-in principal; throws if a route forgot the guard. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal =>
  principalOf(ctx.switchToHttp().getRequest<{ principal?: Principal }>()),
);
