import { AuditService } from '@latchkey/audit';
import { APP_CONFIG, AppConfig, Clock, SecretBox, coreError, decodeCursor, encodeCursor } from '@latchkey/core';
import { NotificationOutbox, NotificationsService } from '@latchkey/notifications';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';

import { WebhookEndpoint } from './webhook-endpoint.entity';
import { isWebhookEventType } from './webhook-events';
import { MAX_ENDPOINTS, WebhooksAuditAction } from './webhooks.constants';
import { webhooksError } from './webhooks.exception';
import { WebhookUrlError, checkWebhookUrl, resolveWebhookHost } from './url-guard';
import { newWebhookSecret } from './signature';

/** An account's endpoints, or the deployment's (accountId null). */
export type WebhookOwner = { accountId: string | null; by: string; actorUserId: string | null; actorKind: 'user' | 'service' };

export interface EndpointInput {
  url: string;
  description?: string;
  events?: string[];
  enabled?: boolean;
}

export const recipientOf = (endpointId: string) => `webhook:${endpointId}`;

/** Endpoint management: validated (SSRF) URLs, sealed secrets, rotation, the delivery log. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectRepository(WebhookEndpoint) private readonly repo: Repository<WebhookEndpoint>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
  ) {}

  list(accountId: string | null): Promise<WebhookEndpoint[]> {
    return this.repo.find({ where: { accountId: accountId ?? IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async get(accountId: string | null, id: string): Promise<WebhookEndpoint> {
    const found = await this.repo.findOneBy({ id, accountId: accountId ?? IsNull() });
    if (!found) {
      throw webhooksError('WEBHOOK_NOT_FOUND', 'No such webhook endpoint.');
    }
    return found;
  }

  async create(owner: WebhookOwner, input: EndpointInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = await this.checkUrl(input.url);
    const events = this.checkEvents(input.events ?? []);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    return this.repo.manager.transaction(async (m) => {
      const count = await m.getRepository(WebhookEndpoint).countBy({ accountId: owner.accountId ?? IsNull() });
      if (count >= MAX_ENDPOINTS) {
        throw webhooksError('WEBHOOK_LIMIT_REACHED', `At most ${MAX_ENDPOINTS} webhook endpoints.`);
      }
      const repo = m.getRepository(WebhookEndpoint);
      const endpoint = await repo.save(
        repo.create({
          accountId: owner.accountId,
          url,
          description: input.description?.trim() ?? '',
          events,
          enabled: input.enabled ?? true,
          secretSealed: '',
          previousSecretSealed: null,
          previousExpiresAt: null,
          createdAt: now,
          createdBy: owner.by,
          updatedAt: now,
        }),
      );
      endpoint.secretSealed = this.box.seal(secret, `webhook:${endpoint.id}`);
      await repo.update({ id: endpoint.id }, { secretSealed: endpoint.secretSealed });
      await this.record(owner, WebhooksAuditAction.EndpointCreated, { endpointId: endpoint.id, url, events }, m);
      return { endpoint, secret };
    });
  }

  async update(owner: WebhookOwner, id: string, input: Partial<EndpointInput>): Promise<WebhookEndpoint> {
    const endpoint = await this.get(owner.accountId, id);
    if (input.url !== undefined) {
      endpoint.url = await this.checkUrl(input.url);
    }
    if (input.events !== undefined) {
      endpoint.events = this.checkEvents(input.events);
    }
    if (input.description !== undefined) {
      endpoint.description = input.description.trim();
    }
    if (input.enabled !== undefined) {
      endpoint.enabled = input.enabled;
    }
    endpoint.updatedAt = this.clock.now();
    await this.repo.manager.transaction(async (m) => {
      await m.getRepository(WebhookEndpoint).save(endpoint);
      await this.record(
        owner,
        WebhooksAuditAction.EndpointUpdated,
        { endpointId: id, url: endpoint.url, events: endpoint.events, enabled: endpoint.enabled },
        m,
      );
    });
    return endpoint;
  }

  async remove(owner: WebhookOwner, id: string): Promise<void> {
    const endpoint = await this.get(owner.accountId, id);
    await this.repo.manager.transaction(async (m) => {
      await m.getRepository(WebhookEndpoint).delete({ id });
      await this.record(owner, WebhooksAuditAction.EndpointDeleted, { endpointId: id, url: endpoint.url }, m);
    });
  }

  /** A new secret; the previous one keeps signing (a second signature) for `previousValidForMinutes`. */
  async rotate(owner: WebhookOwner, id: string, previousValidForMinutes: number): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const endpoint = await this.get(owner.accountId, id);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    endpoint.previousSecretSealed = previousValidForMinutes > 0 ? endpoint.secretSealed : null;
    endpoint.previousExpiresAt = previousValidForMinutes > 0 ? new Date(now.getTime() + previousValidForMinutes * 60_000) : null;
    endpoint.secretSealed = this.box.seal(secret, `webhook:${id}`);
    endpoint.updatedAt = now;
    await this.repo.manager.transaction(async (m) => {
      await m.getRepository(WebhookEndpoint).save(endpoint);
      await this.record(
        owner,
        WebhooksAuditAction.SecretRotated,
        { endpointId: id, previousValidUntil: endpoint.previousExpiresAt?.toISOString() ?? null },
        m,
      );
    });
    return { endpoint, secret };
  }

  /** Sends a `webhook.test` event through the outbox, as a real one would go. */
  async test(owner: WebhookOwner, id: string): Promise<{ deliveryId: string }> {
    const endpoint = await this.get(owner.accountId, id);
    const key = `webhook-test:${id}:${this.clock.nowMs()}`;
    return this.repo.manager.transaction(async (m) => {
      const { id: deliveryId } = await this.notifications.enqueue(
        {
          event: 'webhook.test',
          channel: 'webhook',
          recipient: recipientOf(endpoint.id),
          userId: null,
          data: { endpointId: endpoint.id, by: owner.by },
          idempotencyKey: key,
        },
        m,
      );
      return { deliveryId };
    });
  }

  async deliveries(
    owner: WebhookOwner,
    id: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: NotificationOutbox[]; nextCursor: string | null }> {
    await this.get(owner.accountId, id);
    const rows = await this.notifications.deliveriesTo(recipientOf(id), limit, decodeCursor(cursor));
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** The secrets that sign a delivery now: the current one, and the previous one during a rotation. */
  secretsOf(endpoint: WebhookEndpoint): string[] {
    const secrets = [this.box.open(endpoint.secretSealed, `webhook:${endpoint.id}`)];
    if (endpoint.previousSecretSealed && endpoint.previousExpiresAt && endpoint.previousExpiresAt.getTime() > this.clock.nowMs()) {
      secrets.push(this.box.open(endpoint.previousSecretSealed, `webhook:${endpoint.id}`));
    }
    return secrets;
  }

  private async checkUrl(raw: string): Promise<string> {
    try {
      const url = checkWebhookUrl(raw, this.config.webhooks.allowPrivate);
      await resolveWebhookHost(url.hostname, this.config.webhooks.allowPrivate);
      return url.toString();
    } catch (err) {
      if (err instanceof WebhookUrlError) {
        throw webhooksError('WEBHOOK_URL_REFUSED', `Invalid field(s): url. It ${err.message}.`, {
          errors: [{ field: 'url', message: err.message }],
        });
      }
      throw err;
    }
  }

  private checkEvents(events: string[]): string[] {
    const unknown = events.filter((e) => !isWebhookEventType(e));
    if (unknown.length > 0) {
      throw coreError('VALIDATION_FAILED', `Invalid field(s): events. Unknown: ${unknown.join(', ')}.`, {
        errors: [{ field: 'events', message: `unknown event type(s): ${unknown.join(', ')}` }],
      });
    }
    return [...new Set(events)];
  }

  private record(owner: WebhookOwner, action: string, metadata: Record<string, unknown>, m: EntityManager) {
    return this.audit.record(
      {
        action,
        actorKind: owner.actorKind,
        actorUserId: owner.actorUserId,
        accountId: owner.accountId,
        metadata: { ...metadata, by: owner.by },
      },
      m,
    );
  }
}
