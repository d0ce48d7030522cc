import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const SessionsErrorCode = {
  SESSION_NOT_FOUND: 'NOT_FOUND',
} as const satisfies Record<string, ErrorCategory>;

export const sessionsError = exceptionFactory(SessionsErrorCode);
