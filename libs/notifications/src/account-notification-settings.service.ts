import { Clock, SecretBox, requestContext } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { discordWebhookHint } from './discord.transport';
import { Channel, EventDefinition, defaultChannels } from './event-catalogue';
import { HostEventTypesService } from './host-event-types.service';
import { channelChoiceErrors } from './preferences.service';
import { NotificationOutbox } from './notification-outbox.entity';
import { notificationsError } from './notifications.exception';
import { WebhookLink } from './webhooks.service';

export interface AccountDefaultCell {
  channel: Channel;
  /** What members get unless they choose otherwise (or always, when locked). */
  enabled: boolean;
  /** Members may not change it; their own earlier choice no longer applies. */
  locked: boolean;
  /** The catalogue's default, which applies while the account sets nothing. */
  catalogueDefault: boolean;
  /** The account set this cell (otherwise it follows the catalogue). */
  set: boolean;
  /** Security and transactional events always reach email: on and locked, whatever the account says. */
  mandatory: boolean;
}

export interface AccountDefaultsEvent {
  /** A catalogue event, or a type the host registered (host.…). */
  event: string;
  category: EventDefinition['category'];
  description: string;
  channels: AccountDefaultCell[];
}

export interface AccountDefaultInput {
  event: string;
  channel: string;
  enabled: boolean;
  locked: boolean;
}

export interface AccountDefaultsChange {
  /** Cells added, changed or removed, as they are now (removed: back to the catalogue). */
  changed: Array<{ event: string; channel: string; enabled: boolean | null; locked: boolean }>;
}

/** What an account's Discord channel is told: who did what in the account. */
export type AccountAlert =
  | { kind: 'member_joined'; member: string; role: string }
  | { kind: 'member_role_changed'; member: string; from: string; to: string; by: string }
  | { kind: 'member_removed'; member: string; by: string; self: boolean }
  | { kind: 'ownership_transferred'; member: string; by: string }
  | { kind: 'require_2fa_changed'; enabled: boolean; by: string }
  | { kind: 'test'; by: string };

export const ACCOUNT_DISCORD_CHANNEL = 'account_discord' as const;

export function accountAlertText(alert: AccountAlert, accountName: string): { title: string; description: string } {
  switch (alert.kind) {
    case 'member_joined':
      return { title: `${alert.member} joined ${accountName}`, description: `${alert.member} accepted an invitation as ${alert.role}.` };
    case 'member_role_changed':
      return {
        title: `Role changed in ${accountName}`,
        description: `${alert.by} changed the role of ${alert.member} from ${alert.from} to ${alert.to}.`,
      };
    case 'member_removed':
      return alert.self
        ? { title: `${alert.member} left ${accountName}`, description: `${alert.member} left the account.` }
        : { title: `Member removed from ${accountName}`, description: `${alert.by} removed ${alert.member} from the account.` };
    case 'ownership_transferred':
      return { title: `New owner of ${accountName}`, description: `${alert.by} transferred ownership of the account to ${alert.member}.` };
    case 'require_2fa_changed':
      return alert.enabled
        ? { title: `${accountName} now requires two-factor authentication`, description: `${alert.by} required 2FA for every member.` }
        : { title: `${accountName} no longer requires two-factor authentication`, description: `${alert.by} stopped requiring 2FA.` };
    case 'test':
      return {
        title: `Test alert from ${accountName}`,
        description: `${alert.by} sent a test message: account alerts reach this channel.`,
      };
  }
}

const recipientOf = (accountId: string) => `account:${accountId}`;
const sealContext = (accountId: string) => `account-discord:${accountId}`;

/**
 * Account-level notification settings (issue 18): the defaults an account gives its members per
 * event and channel (and which of them members may not change), and the account's Discord
 * webhook for account alerts. Called by the accounts lib with plain ids, inside its transaction,
 * which records the audit entry; preference resolution reads the defaults (PreferencesService).
 */
@Injectable()
export class AccountNotificationSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly box: SecretBox,
    private readonly hostTypes: HostEventTypesService,
  ) {}

  async defaults(accountId: string, m: EntityManager = this.dataSource.manager): Promise<AccountDefaultsEvent[]> {
    const rows = await this.rows(accountId, m);
    const byKey = new Map(rows.map((r) => [`${r.event}|${r.channel}`, r]));
    return (await this.hostTypes.allDefinitions(m)).map(([event, def]) => {
      return {
        event,
        category: def.category,
        description: def.description,
        channels: def.channels.map((channel) => {
          const row = byKey.get(`${event}|${channel}`);
          const catalogueDefault = defaultChannels(def).includes(channel);
          const mandatory = channel === 'email' && def.mandatoryEmail;
          return {
            channel,
            enabled: mandatory || (row ? row.enabled : catalogueDefault),
            locked: mandatory || (row?.locked ?? false),
            catalogueDefault,
            set: row !== undefined,
            mandatory,
          };
        }),
      };
    });
  }

  /**
   * Replaces the account's defaults with `items`: cells not listed follow the catalogue again.
   * Unknown events and channels, duplicates, and turning off a mandatory email are refused with
   * the field named.
   */
  async replaceDefaults(accountId: string, items: AccountDefaultInput[], m: EntityManager): Promise<AccountDefaultsChange> {
    const seen = new Set<string>();
    const definitions = new Map(await this.hostTypes.allDefinitions(m));
    const errors = items.flatMap((c, i) => {
      const invalid = channelChoiceErrors(definitions, c, i);
      if (invalid.length > 0) {
        return invalid;
      }
      const key = `${c.event}|${c.channel}`;
      if (seen.has(key)) {
        return [{ field: `items.${i}`, message: `${c.event} by ${c.channel} is listed twice` }];
      }
      seen.add(key);
      return [];
    });
    if (errors.length > 0) {
      const locked = errors.every((e) => e.field.endsWith('.enabled'));
      throw notificationsError(
        locked ? 'CHANNEL_LOCKED' : 'CHANNEL_NOT_AVAILABLE',
        locked ? 'Security and transactional messages always reach email.' : 'Unknown event or channel, or a cell listed twice.',
        { errors },
      );
    }
    const before = new Map((await this.rows(accountId, m, true)).map((r) => [`${r.event}|${r.channel}`, r]));
    const changed: AccountDefaultsChange['changed'] = [];
    for (const c of items) {
      const old = before.get(`${c.event}|${c.channel}`);
      if (!old || old.enabled !== c.enabled || old.locked !== c.locked) {
        changed.push({ event: c.event, channel: c.channel, enabled: c.enabled, locked: c.locked });
      }
    }
    for (const [key, old] of before) {
      if (!seen.has(key)) {
        changed.push({ event: old.event, channel: old.channel, enabled: null, locked: false });
      }
    }
    if (changed.length === 0) {
      return { changed };
    }
    const now = this.clock.now();
    await m.query(`DELETE FROM account_notification_defaults WHERE account_id = $1`, [accountId]);
    if (items.length > 0) {
      await m.query(
        `INSERT INTO account_notification_defaults (account_id, event, channel, enabled, locked, updated_at)
         SELECT $1, x.event, x.channel, x.enabled, x.locked, $2
           FROM unnest($3::text[], $4::text[], $5::boolean[], $6::boolean[]) AS x(event, channel, enabled, locked)
         ON CONFLICT (account_id, event, channel) DO UPDATE SET enabled = EXCLUDED.enabled, locked = EXCLUDED.locked, updated_at = EXCLUDED.updated_at`,
        [accountId, now, items.map((c) => c.event), items.map((c) => c.channel), items.map((c) => c.enabled), items.map((c) => c.locked)],
      );
    }
    return { changed };
  }

  async discord(accountId: string): Promise<WebhookLink | null> {
    const rows: Array<{ url_hint: string; created_at: Date }> = await this.dataSource.query(
      `SELECT url_hint, created_at FROM account_notification_webhooks WHERE account_id = $1`,
      [accountId],
    );
    return rows[0] ? { kind: 'discord', hint: rows[0].url_hint, createdAt: new Date(rows[0].created_at) } : null;
  }

  /** Sealed at rest and bound to the account id, like a user's webhook; only the webhook id is ever shown again. */
  async linkDiscord(accountId: string, url: string, m: EntityManager): Promise<WebhookLink> {
    const hint = discordWebhookHint(url);
    const now = this.clock.now();
    await m.query(
      `INSERT INTO account_notification_webhooks (account_id, kind, url_sealed, url_hint, created_at) VALUES ($1, 'discord', $2, $3, $4)
       ON CONFLICT (account_id) DO UPDATE SET url_sealed = EXCLUDED.url_sealed, url_hint = EXCLUDED.url_hint, created_at = EXCLUDED.created_at`,
      [accountId, this.box.seal(url, sealContext(accountId)), hint, now],
    );
    return { kind: 'discord', hint, createdAt: now };
  }

  /** The hint of the removed link, or null when there was none. */
  async unlinkDiscord(accountId: string, m: EntityManager): Promise<string | null> {
    const rows: Array<{ url_hint: string }> = await m.query(
      `DELETE FROM account_notification_webhooks WHERE account_id = $1 RETURNING url_hint`,
      [accountId],
    );
    const deleted = Array.isArray(rows[0]) ? (rows[0] as Array<{ url_hint: string }>) : rows;
    return deleted[0]?.url_hint ?? null;
  }

  /** The plain URL, for delivery only. */
  async openDiscordUrl(accountId: string): Promise<string | null> {
    const rows: Array<{ url_sealed: string }> = await this.dataSource.query(
      `SELECT url_sealed FROM account_notification_webhooks WHERE account_id = $1`,
      [accountId],
    );
    return rows[0] ? this.box.open(rows[0].url_sealed, sealContext(accountId)) : null;
  }

  /**
   * Queues an account alert for the account's Discord channel, in the caller's transaction;
   * nothing when the account has no channel. `subjectUserId` ties the row to the member it names,
   * so that member's erasure removes it. Returns whether a row was written.
   */
  async alert(
    input: { accountId: string; accountName: string; alert: AccountAlert; subjectUserId?: string | null; key?: string },
    m: EntityManager,
  ): Promise<boolean> {
    const [{ linked }]: Array<{ linked: boolean }> = await m.query(
      `SELECT EXISTS (SELECT 1 FROM account_notification_webhooks WHERE account_id = $1) AS linked`,
      [input.accountId],
    );
    if (!linked) {
      return false;
    }
    const now = this.clock.now();
    const key = `${input.key ?? crypto.randomUUID()}:${ACCOUNT_DISCORD_CHANNEL}`;
    await m
      .getRepository(NotificationOutbox)
      .createQueryBuilder()
      .insert()
      .values({
        createdAt: now,
        availableAt: now,
        event: `account.${input.alert.kind}`,
        channel: ACCOUNT_DISCORD_CHANNEL,
        userId: input.subjectUserId ?? null,
        recipient: recipientOf(input.accountId),
        payload: {
          data: {
            accountId: input.accountId,
            ...accountAlertText(input.alert, input.accountName),
          } as NotificationOutbox['payload']['data'],
        },
        idempotencyKey: key,
        status: 'pending',
        attempts: 0,
        requestId: requestContext.get()?.requestId ?? null,
      })
      .orIgnore()
      .execute();
    return true;
  }

  private async rows(
    accountId: string,
    m: EntityManager,
    forUpdate = false,
  ): Promise<Array<{ event: string; channel: string; enabled: boolean; locked: boolean }>> {
    return m.query(
      `SELECT event, channel, enabled, locked FROM account_notification_defaults WHERE account_id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [accountId],
    );
  }
}
