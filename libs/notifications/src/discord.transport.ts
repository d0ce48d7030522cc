import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';

import { EventCategory } from './event-catalogue';
import { notificationsError } from './notifications.exception';

export const DISCORD_WEBHOOK_PATTERN =
  /^https:\/\/(?:(?:ptb|canary)\.)?(?:discord\.com|discordapp\.com)\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{20,200}$/;

/**
 * The one check of a Discord webhook URL given by a person (a user's or an account's channel):
 * a 400 naming `url` unless it is a discord.com webhook; answers the hint shown from then on
 * (the webhook id; the token part is never shown again).
 */
export function discordWebhookHint(url: string): string {
  if (!DISCORD_WEBHOOK_PATTERN.test(url)) {
    throw notificationsError('INVALID_WEBHOOK_URL', 'That is not a Discord webhook URL.', {
      errors: [{ field: 'url', message: 'must be https://discord.com/api/webhooks/<id>/<token>' }],
    });
  }
  return `webhook ${url.split('/')[5]}`;
}

const COLOURS: Record<EventCategory, number> = {
  security: 0xd64545,
  transactional: 0x3e7bfa,
  team: 0x7c5cff,
  product: 0x2f9e6e,
  marketing: 0xe8a33d,
};

export interface DiscordAlert {
  title: string;
  description: string;
  category: EventCategory;
  url?: string;
  timestamp: Date;
  deliveryId: string;
}

/**
 * Posts alerts to a Discord webhook as one embed. Only discord.com webhook URLs are accepted
 * when linking; DISCORD_API_BASE re-targets them onto a fake server, and only under NODE_ENV=test.
 */
@Injectable()
export class DiscordTransport {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(webhookUrl: string, alert: DiscordAlert): Promise<void> {
    const target = new URL(webhookUrl);
    const base = this.config.notifications.discordApiBase;
    if (base) {
      const rebased = new URL(base);
      target.protocol = rebased.protocol;
      target.host = rebased.host;
    }
    target.searchParams.set('wait', 'true');
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-latchkey-delivery': alert.deliveryId },
      body: JSON.stringify({
        username: 'Latchkey',
        allowed_mentions: { parse: [] },
        embeds: [
          {
            title: alert.title.slice(0, 256),
            description: alert.description.slice(0, 4000),
            color: COLOURS[alert.category],
            url: alert.url,
            timestamp: alert.timestamp.toISOString(),
            footer: { text: `Latchkey · ${alert.category}` },
          },
        ],
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) {
      throw new Error(`Discord answered ${res.status}`);
    }
  }
}
