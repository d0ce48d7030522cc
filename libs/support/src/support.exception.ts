import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const SupportErrorCode = {
  TICKET_NOT_FOUND: 'NOT_FOUND',
  USER_NOT_FOUND: 'NOT_FOUND',
  STAFF_ONLY: 'NOT_FOUND',
  ILLEGAL_TRANSITION: 'CONFLICT',
  COOLDOWN_NOT_OVER: 'CONFLICT',
  CHECKS_INCOMPLETE: 'CONFLICT',
  NO_USER: 'CONFLICT',
  SOLE_OWNER: 'CONFLICT',
  FOUR_EYES_REQUIRED: 'FORBIDDEN',
  LEAD_REQUIRED: 'FORBIDDEN',
  STAFF_2FA_REQUIRED: 'FORBIDDEN',
  INVALID_TOKEN: 'BAD_INPUT',
  LINK_EXPIRED: 'GONE',
  TOO_MANY_TICKETS: 'RATE_LIMITED',
} as const satisfies Record<string, ErrorCategory>;

export type SupportErrorCode = keyof typeof SupportErrorCode;
export const supportError = exceptionFactory(SupportErrorCode);

/** One policy for staff routes: a caller who is not staff learns nothing, not even that the route exists. */
export const staffOnlyNotFound = () => supportError('STAFF_ONLY', 'Not found.');
export const ticketNotFound = () => supportError('TICKET_NOT_FOUND', 'No such ticket.');
export const invalidToken = () =>
  supportError('INVALID_TOKEN', 'This link is not valid (any more).', { errors: [{ field: 'token', message: 'is not valid' }] });
