import { ErrorCategory, exceptionFactory } from '@latchkey/core';

export const NotificationsErrorCode = {
  UNKNOWN_EVENT_TYPE: 'BAD_INPUT',
  INVALID_EVENT_DATA: 'BAD_INPUT',
  EVENT_RECIPIENT_NOT_FOUND: 'BAD_INPUT',
  CHANNEL_LOCKED: 'BAD_INPUT',
  CHANNEL_NOT_AVAILABLE: 'BAD_INPUT',
  INVALID_WEBHOOK_URL: 'BAD_INPUT',
  INVALID_EVENT_TYPE: 'BAD_INPUT',
  EVENT_TYPE_NOT_FOUND: 'NOT_FOUND',
  EVENT_TYPE_EXISTS: 'CONFLICT',
  EVENT_TYPE_RETIRED: 'CONFLICT',
  NOTIFICATION_NOT_FOUND: 'NOT_FOUND',
  DEAD_LETTER_NOT_FOUND: 'NOT_FOUND',
} as const satisfies Record<string, ErrorCategory>;

export type NotificationsErrorCode = keyof typeof NotificationsErrorCode;
export const notificationsError = exceptionFactory(NotificationsErrorCode);
