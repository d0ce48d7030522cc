import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { DeliveryProcessor } from './delivery.processor';
import { MailTransport } from './mail.transport';
import { NotificationOutbox } from './notification-outbox.entity';
import { NotificationsService } from './notifications.service';
import { OutboxRelay } from './outbox-relay';
import { TemplateRenderer } from './template-renderer';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([NotificationOutbox])],
  providers: [NotificationsService, OutboxRelay, DeliveryProcessor, TemplateRenderer, MailTransport],
  exports: [NotificationsService, OutboxRelay, DeliveryProcessor, TemplateRenderer],
})
export class NotificationsModule {}
