import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const AccountsErrorCode = {
  ACCOUNT_NOT_FOUND: 'NOT_FOUND',
  MEMBER_NOT_FOUND: 'NOT_FOUND',
  INVITATION_NOT_FOUND: 'NOT_FOUND',
  INVITATION_EXPIRED: 'GONE',
  INVITATION_USED: 'GONE',
  INVITATION_EMAIL_MISMATCH: 'FORBIDDEN',
  SIGN_IN_REQUIRED: 'UNAUTHENTICATED',
  ALREADY_MEMBER: 'CONFLICT',
  ROLE_TOO_LOW: 'FORBIDDEN',
  OWNER_ONLY: 'FORBIDDEN',
  LAST_OWNER: 'CONFLICT',
  SOLE_OWNER: 'CONFLICT',
  IP_NOT_ALLOWED: 'FORBIDDEN',
  INVALID_CIDR: 'BAD_INPUT',
  ALLOWLIST_EXCLUDES_CALLER: 'BAD_INPUT',
  PASSWORD_REQUIRED: 'BAD_INPUT',
  WRONG_PASSWORD: 'BAD_INPUT',
  NOT_A_MEMBER: 'BAD_INPUT',
  MFA_SETUP_REQUIRED: 'FORBIDDEN',
  OWN_MFA_REQUIRED: 'BAD_INPUT',
  DELETION_NOT_SCHEDULED: 'CONFLICT',
  DELETION_LINK_INVALID: 'GONE',
  DELETION_LINK_THROTTLED: 'RATE_LIMITED',
  ALERT_TEST_THROTTLED: 'RATE_LIMITED',
  NO_ALERT_CHANNEL: 'CONFLICT',
} as const satisfies Record<string, ErrorCategory>;

export type AccountsErrorCode = keyof typeof AccountsErrorCode;
export const accountsError = exceptionFactory(AccountsErrorCode);

/** One policy for "no access" and "does not exist": both are this 404. */
export const accountNotFound = () => accountsError('ACCOUNT_NOT_FOUND', 'No such account.');
