export * from './delivery.processor';
export * from './event-catalogue';
export * from './notification-outbox.entity';
export * from './notifications.constants';
export * from './notifications.module';
export * from './notifications.service';
export * from './outbox-relay';
export * from './template-renderer';
