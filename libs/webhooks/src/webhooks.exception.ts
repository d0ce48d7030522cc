import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const WebhooksErrorCode = {
  WEBHOOK_URL_REFUSED: 'BAD_INPUT',
  WEBHOOK_NOT_FOUND: 'NOT_FOUND',
  WEBHOOK_LIMIT_REACHED: 'CONFLICT',
} as const satisfies Record<string, ErrorCategory>;

export type WebhooksErrorCode = keyof typeof WebhooksErrorCode;
export const webhooksError = exceptionFactory(WebhooksErrorCode);
