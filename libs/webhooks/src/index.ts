export * from './webhooks.module';
export * from './webhooks.constants';
export { WEBHOOK_EVENTS, type WebhookEventType } from './webhook-events';
export { signWebhook } from './signature';
export { AccountWebhooksController } from './webhooks.controller';
