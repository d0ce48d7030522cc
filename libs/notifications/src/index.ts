// The public face of @latchkey/notifications: what other libs and the apps may use (see test/platform/public-faces).
export {
  AccountNotificationSettingsService,
  type AccountDefaultCell,
  type AccountDefaultInput,
  type AccountDefaultsEvent,
} from './account-notification-settings.service';
export { CHANNELS, EVENT_CATALOGUE, type Channel, type EventCategory, type EventDefinition, type EventType } from './event-catalogue';
export type { NotificationOutbox } from './notification-outbox.entity';
export { MarketingConsent } from './marketing-consent';
export { NOTIFICATIONS_JOB_QUEUE, NotificationsHttpModule, NotificationsModule } from './notifications.module';
export { NotificationsService } from './notifications.service';
export { OutboxRelay } from './outbox-relay';
export { RecipientDirectory, type DirectoryUser } from './recipient-directory';
export { WebhookSender } from './webhook-sender';
