import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const ConnectedAccountsErrorCode = {
  PROVIDER_NOT_FOUND: 'NOT_FOUND',
  PROVIDER_FLOW_INVALID: 'BAD_INPUT',
  PROVIDER_LINK_INVALID: 'BAD_INPUT',
  PROVIDER_SIGN_IN_FAILED: 'BAD_INPUT',
  PROVIDER_EMAIL_UNVERIFIED: 'FORBIDDEN',
  REGISTRATION_CLOSED: 'FORBIDDEN',
  PROVIDER_UNAVAILABLE: 'UNAVAILABLE',
  IDENTITY_ALREADY_LINKED: 'CONFLICT',
  LAST_SIGN_IN_METHOD: 'CONFLICT',
  CONNECTED_ACCOUNT_NOT_FOUND: 'NOT_FOUND',
} as const satisfies Record<string, ErrorCategory>;

export type ConnectedAccountsErrorCode = keyof typeof ConnectedAccountsErrorCode;
export const connectedAccountsError = exceptionFactory(ConnectedAccountsErrorCode);
