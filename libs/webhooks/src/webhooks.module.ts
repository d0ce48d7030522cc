import { AccountsModule } from '@latchkey/accounts';
import { AuditSink } from '@latchkey/audit';
import { AuthModule } from '@latchkey/auth';
import { MfaModule } from '@latchkey/mfa';
import { WebhookSender } from '@latchkey/notifications';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { SecurityEventSink } from './security-event-sink';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookHttpSender } from './webhook-http.sender';
import { WebhooksErasure } from './webhooks-erasure';
import { AccountWebhooksController, ServiceWebhooksController } from './webhooks.controller';

/**
 * Security webhooks without HTTP routes: fed from the audit log (the AuditSink port, every app
 * that writes audit entries needs it) and delivered by the outbox worker (the WebhookSender port).
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpoint])],
  providers: [
    WebhookEndpointsService,
    WebhooksErasure,
    { provide: AuditSink, useClass: SecurityEventSink },
    { provide: WebhookSender, useClass: WebhookHttpSender },
  ],
  exports: [AuditSink, WebhookSender, WebhookEndpointsService],
})
export class WebhooksModule {}

/** The API's routes for endpoints: account owners, and the host's service credentials. */
@Module({
  // The account role guard's own needs (as AccountsModule imports them).
  imports: [AccountsModule, AuthModule, MfaModule, WebhooksModule],
  controllers: [AccountWebhooksController, ServiceWebhooksController],
})
export class WebhooksApiModule {}
