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
  SMS_LIMITED: 'RATE_LIMITED',
  EMAIL_NOT_VERIFIED: 'FORBIDDEN',
  SMS_NOT_DELIVERABLE: 'BAD_INPUT',
  SMS_UNAVAILABLE: 'UNAVAILABLE',
  NO_RECOVERY_PHONE: 'FORBIDDEN',
  TRUSTED_DEVICE_NOT_FOUND: 'NOT_FOUND',
  INVALID_TOKEN: 'BAD_INPUT',
  PASSKEY_REFUSED: 'BAD_INPUT',
  PASSKEY_CHALLENGE_INVALID: 'BAD_INPUT',
  PASSKEY_ALREADY_REGISTERED: 'CONFLICT',
  PASSKEY_NOT_FOUND: 'NOT_FOUND',
  PASSKEY_SIGN_IN_FAILED: 'UNAUTHENTICATED',
} as const satisfies Record<string, ErrorCategory>;

export type MfaErrorCode = keyof typeof MfaErrorCode;
export const mfaError = exceptionFactory(MfaErrorCode);

export const invalidCode = (field = 'code') =>
  mfaError('INVALID_MFA_CODE', 'That code is not right.', { errors: [{ field, message: 'is not right' }] });
