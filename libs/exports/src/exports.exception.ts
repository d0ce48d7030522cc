import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const ExportsErrorCode = {
  EXPORT_NOT_FOUND: 'NOT_FOUND',
  EXPORT_LIMITED: 'RATE_LIMITED',
  EXPORT_NOT_READY: 'CONFLICT',
  EXPORT_EXPIRED: 'GONE',
} as const satisfies Record<string, ErrorCategory>;

export type ExportsErrorCode = keyof typeof ExportsErrorCode;
export const exportsError = exceptionFactory(ExportsErrorCode);
