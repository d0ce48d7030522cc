import * as http from 'node:http';
import * as https from 'node:https';

import { APP_CONFIG, AppConfig, Clock } from '@latchkey/core';
import { NotificationOutbox, WebhookSender } from '@latchkey/notifications';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { signWebhook } from './signature';
import { resolveWebhookHost } from './url-guard';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WEBHOOK_TIMEOUT_MS } from './webhooks.constants';

/**
 * Sends one webhook delivery: the Standard Webhooks body `{type, timestamp, data}` with its
 * signature headers, the outbox row id as `webhook-id` (stable across retries, so receivers drop
 * duplicates). The host is resolved and checked again here and the connection goes to the address
 * that was checked. A 2xx answer delivers; anything else, a timeout or a refused address is a
 * failed attempt the outbox retries.
 */
@Injectable()
export class WebhookHttpSender extends WebhookSender {
  constructor(
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    private readonly service: WebhookEndpointsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async send(row: Pick<NotificationOutbox, 'id' | 'event' | 'recipient' | 'payload' | 'createdAt'>): Promise<'delivered' | 'skipped'> {
    const endpoint = await this.endpoints.findOneBy({ id: row.recipient.replace(/^webhook:/, '') });
    if (!endpoint || !endpoint.enabled) {
      return 'skipped';
    }
    const body = JSON.stringify({ type: row.event, timestamp: (row.createdAt ?? this.clock.now()).toISOString(), data: row.payload.data });
    const headers = signWebhook(this.service.secretsOf(endpoint), row.id, Math.floor(this.clock.nowMs() / 1000), body);
    const url = new URL(endpoint.url);
    const target = await resolveWebhookHost(url.hostname, this.config.webhooks.allowPrivate);
    const status = await post(url, target, { ...headers, 'content-type': 'application/json', 'user-agent': 'Latchkey-Webhooks/1' }, body);
    if (status < 200 || status > 299) {
      throw new Error(`Webhook endpoint answered HTTP ${status}`);
    }
    return 'delivered';
  }
}

function post(url: URL, target: { address: string; family: number }, headers: Record<string, string>, body: string): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: WEBHOOK_TIMEOUT_MS,
        // Connect to the address that passed the check, whatever DNS says now.
        lookup: (_host, options, cb) => {
          if ((options as { all?: boolean }).all) {
            (cb as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, [target]);
          } else {
            cb(null, target.address, target.family);
          }
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Webhook endpoint did not answer within ${WEBHOOK_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
