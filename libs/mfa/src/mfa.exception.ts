import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const MfaErrorCode = {
  MFA_ALREADY_ENABLED: 'CONFLICT',
  MFA_SETUP_NOT_STARTED: 'BAD_INPUT',
  MFA_FACTOR_NOT_FOUND: 'NOT_FOUND',
  INVALID_MFA_CODE: 'BAD_INPUT',
  MFA_CHALLENGE_INVALID: 'UNAUTHENTICATED',
  MFA_METHOD_UNAVAILABLE: 'BAD_INPUT',
  MFA_LOCKED: 'RATE_LIMITED',
  SMS_RESEND_TOO_SOON: 'RATE_LIMITED',
  SMS_COUNTRY_BLOCKED: 'FORBIDDEN',
  SMS_NOT_DELIVERABLE: 'BAD_INPUT',
  SMS_UNAVAILABLE: 'UNAVAILABLE',
  NO_RECOVERY_PHONE: 'FORBIDDEN',
  TRUSTED_DEVICE_NOT_FOUND: 'NOT_FOUND',
  INVALID_TOKEN: 'BAD_INPUT',
} as const satisfies Record<string, ErrorCategory>;

export type MfaErrorCode = keyof typeof MfaErrorCode;
export const mfaError = exceptionFactory(MfaErrorCode);
