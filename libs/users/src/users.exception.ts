import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const UsersErrorCode = {
  USER_NOT_FOUND: 'NOT_FOUND',
  WEAK_PASSWORD: 'BAD_INPUT',
  INVALID_TOKEN: 'BAD_INPUT',
  WRONG_PASSWORD: 'BAD_INPUT',
  REGISTRATION_CLOSED: 'FORBIDDEN',
  AVATAR_INVALID: 'BAD_INPUT',
  AVATAR_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SAME_EMAIL: 'BAD_INPUT',
  NO_PENDING_EMAIL_CHANGE: 'NOT_FOUND',
  TOO_MANY_RESENDS: 'RATE_LIMITED',
} as const satisfies Record<string, ErrorCategory>;

export type UsersErrorCode = keyof typeof UsersErrorCode;
export const usersError = exceptionFactory(UsersErrorCode);
