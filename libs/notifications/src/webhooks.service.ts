import { Clock, SecretBox } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { discordWebhookHint } from './discord.transport';

export interface WebhookLink {
  kind: 'discord';
  /** The webhook id only; the token part of the URL is never shown again. */
  hint: string;
  createdAt: Date;
}

/** A user's Discord webhook, sealed with SecretBox and bound to the user id. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async link(userId: string, url: string): Promise<WebhookLink> {
    const hint = discordWebhookHint(url);
    const now = this.clock.now();
    await this.dataSource.query(
      `INSERT INTO notification_webhooks (user_id, kind, url_sealed, url_hint, created_at) VALUES ($1, 'discord', $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET url_sealed = EXCLUDED.url_sealed, url_hint = EXCLUDED.url_hint, created_at = EXCLUDED.created_at`,
      [userId, this.box.seal(url, `discord:${userId}`), hint, now],
    );
    return { kind: 'discord', hint, createdAt: now };
  }

  async get(userId: string): Promise<WebhookLink | null> {
    const rows: Array<{ url_hint: string; created_at: Date }> = await this.dataSource.query(
      `SELECT url_hint, created_at FROM notification_webhooks WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ? { kind: 'discord', hint: rows[0].url_hint, createdAt: new Date(rows[0].created_at) } : null;
  }

  async unlink(userId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM notification_webhooks WHERE user_id = $1`, [userId]);
  }

  /** The plain URL, for delivery only. */
  async openUrl(userId: string, m: EntityManager = this.dataSource.manager): Promise<string | null> {
    const rows: Array<{ url_sealed: string }> = await m.query(`SELECT url_sealed FROM notification_webhooks WHERE user_id = $1`, [userId]);
    return rows[0] ? this.box.open(rows[0].url_sealed, `discord:${userId}`) : null;
  }
}
