import { JobQueueDefinition } from '@latchkey/core';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AccountNotificationSettingsService } from './account-notification-settings.service';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';
import { DeliveryQueueProcessor } from './delivery-queue.processor';
import { DeliveryProcessor } from './delivery.processor';
import { DiscordTransport } from './discord.transport';
import { EventsController, ServiceEventsController } from './events.controller';
import { HostEventTypesController } from './host-event-types.controller';
import { HostEventTypesManager } from './host-event-types.manager';
import { HostEventTypesService } from './host-event-types.service';
import { HostEventsService } from './host-events.service';
import { InboxService } from './inbox.service';
import { MailTransport } from './mail.transport';
import { NotificationOutbox } from './notification-outbox.entity';
import { NOTIFICATIONS_QUEUE } from './notifications.constants';
import { NotificationPreferencesExportPart, NotificationsExportPart } from './notifications-export.part';
import { MyNotificationsController } from './notifications.controller';
import { NotificationsErasure } from './notifications-erasure';
import { NotificationsService } from './notifications.service';
import { OutboxMetrics } from './outbox-metrics';
import { OutboxRelay } from './outbox-relay';
import { PreferencesService } from './preferences.service';
import { TemplateRenderer } from './template-renderer';
import { WebhooksService } from './webhooks.service';
import { WorkerLease } from './worker-lease';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([NotificationOutbox])],
  providers: [
    NotificationsService,
    AccountNotificationSettingsService,
    OutboxRelay,
    DeliveryProcessor,
    TemplateRenderer,
    MailTransport,
    DiscordTransport,
    WebhooksService,
    PreferencesService,
    InboxService,
    HostEventsService,
    HostEventTypesService,
    HostEventTypesManager,
    DeadLettersService,
    OutboxMetrics,
    NotificationsExportPart,
    NotificationPreferencesExportPart,
    NotificationsErasure,
    WorkerLease,
  ],
  exports: [
    NotificationsService,
    // For NotificationsHttpModule's routes.
    InboxService,
    WebhooksService,
    HostEventTypesService,
    HostEventTypesManager,
    DeadLettersService,
    AccountNotificationSettingsService,
    OutboxRelay,
    DeliveryProcessor,
    TemplateRenderer,
    PreferencesService,
    HostEventsService,
  ],
})
export class NotificationsModule {}

/**
 * The notifications queue (registered by the platform: JobQueueModule). A dead worker's batch
 * runs again after 8 s (bull's lock): what it had claimed is its heartbeat's (WorkerLease), the
 * rest the new run's.
 */
export const NOTIFICATIONS_JOB_QUEUE: JobQueueDefinition = {
  name: NOTIFICATIONS_QUEUE,
  lockMs: 8000,
  processors: [DeliveryQueueProcessor],
};

/** The notifications' routes (inbox, preferences, host events and types, dead letters), for the API only. */
@Module({
  imports: [NotificationsModule],
  controllers: [MyNotificationsController, ServiceEventsController, HostEventTypesController, EventsController, DeadLettersController],
})
export class NotificationsHttpModule {}
