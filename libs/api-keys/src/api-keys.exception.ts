import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const ApiKeysErrorCode = {
  API_KEY_NOT_FOUND: 'NOT_FOUND',
  API_KEY_LIMIT_REACHED: 'CONFLICT',
  API_KEY_RATE_LIMITED: 'RATE_LIMITED',
} as const satisfies Record<string, ErrorCategory>;

export type ApiKeysErrorCode = keyof typeof ApiKeysErrorCode;
export const apiKeysError = exceptionFactory(ApiKeysErrorCode);
