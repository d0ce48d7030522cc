import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const ServiceAccessErrorCode = {
  SERVICE_TOKEN_INVALID: 'UNAUTHENTICATED',
  HOST_EVENTS_DISABLED: 'FORBIDDEN',
  SERVICE_SCOPE_MISSING: 'FORBIDDEN',
  SERVICE_CREDENTIAL_NOT_FOUND: 'NOT_FOUND',
  SERVICE_CREDENTIAL_NAME_TAKEN: 'CONFLICT',
} as const satisfies Record<string, ErrorCategory>;

export type ServiceAccessErrorCode = keyof typeof ServiceAccessErrorCode;
export const serviceAccessError = exceptionFactory(ServiceAccessErrorCode);
