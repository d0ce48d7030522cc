import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const AuthErrorCode = {
  INVALID_CREDENTIALS: 'UNAUTHENTICATED',
  SESSION_REQUIRED: 'UNAUTHENTICATED',
  SESSION_INVALID: 'UNAUTHENTICATED',
  CSRF_TOKEN_INVALID: 'FORBIDDEN',
  MFA_SETUP_REQUIRED: 'FORBIDDEN',
  MFA_RECOVERY_SETUP_REQUIRED: 'FORBIDDEN',
  STAFF_ONLY: 'NOT_FOUND',
  ACCOUNT_LOCKED: 'RATE_LIMITED',
  TOO_MANY_ATTEMPTS: 'RATE_LIMITED',
  REAUTH_REQUIRED: 'FORBIDDEN',
  INVALID_TOKEN: 'BAD_INPUT',
  MFA_CODE_REQUIRED: 'BAD_INPUT',
  INVALID_MFA_CODE: 'BAD_INPUT',
  WRONG_PASSWORD: 'BAD_INPUT',
} as const satisfies Record<string, ErrorCategory>;

export type AuthErrorCode = keyof typeof AuthErrorCode;
export const authError = exceptionFactory(AuthErrorCode);
