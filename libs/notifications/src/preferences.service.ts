import { AccountMemberships, Clock } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { Channel, EventDefinition, EventType, defaultChannels } from './event-catalogue';
import { HostEventTypesService } from './host-event-types.service';
import { notificationsError } from './notifications.exception';

export type PreferenceOverrides = Partial<Record<Channel, boolean>>;

export interface ChannelPreference {
  channel: Channel;
  enabled: boolean;
  /** What the channel is without a choice of the user: the account's default, else the catalogue's. */
  default: boolean;
  /** Cannot be changed: security and transactional events always reach email, or an account locked it. */
  locked: boolean;
  /** Why it is locked: `mandatory` (always reaches email) or `account` (an account's owners decided). */
  lockedBy?: 'mandatory' | 'account';
  /** Where `enabled` comes from. */
  source: 'mandatory' | 'account' | 'user' | 'catalogue';
  /** The account whose default or lock applies, when one does. */
  accountId?: string;
}

export interface EventPreferences {
  /** A catalogue event, or a type the host registered (host.…). */
  event: EventType | string;
  category: EventDefinition['category'];
  description: string;
  channels: ChannelPreference[];
}

export interface PreferenceChange {
  event: string;
  channel: string;
  enabled: boolean;
}

/** What an account decided for one event and channel: the default of its members, and whether they may change it. */
export interface AccountChannelRule {
  accountId: string;
  enabled: boolean;
  locked: boolean;
}
export type AccountRules = Partial<Record<Channel, AccountChannelRule>>;

export interface ResolvedChannel {
  enabled: boolean;
  default: boolean;
  source: ChannelPreference['source'];
  rule?: AccountChannelRule;
}

/**
 * One channel of one event for one user, strongest first: the mandatory email of security and
 * transactional events; an account's locked setting; the user's own choice; the account's
 * default; the catalogue's default.
 */
export function resolveChannel(
  def: EventDefinition,
  channel: Channel,
  overrides: PreferenceOverrides,
  rules: AccountRules = {},
): ResolvedChannel {
  const rule = rules[channel];
  const fallback = rule ? rule.enabled : defaultChannels(def).includes(channel);
  if (channel === 'email' && def.mandatoryEmail) {
    return { enabled: true, default: true, source: 'mandatory' };
  }
  if (rule?.locked) {
    return { enabled: rule.enabled, default: rule.enabled, source: 'account', rule };
  }
  const own = overrides[channel];
  if (own !== undefined) {
    return { enabled: own, default: fallback, source: 'user', rule };
  }
  return { enabled: fallback, default: fallback, source: rule ? 'account' : 'catalogue', rule };
}

/** Which channels one event reaches for one user (resolveChannel per channel). */
export function resolveChannels(def: EventDefinition, overrides: PreferenceOverrides, rules: AccountRules = {}): Channel[] {
  return def.channels.filter((c) => resolveChannel(def, c, overrides, rules).enabled);
}

/**
 * The rules of several accounts for one event, merged per channel for a user-level event of a
 * person in more than one account: a lock beats a plain default, and between equals "on" beats
 * "off" (hearing about something twice is better than not at all). Ties break on the account id,
 * so the answer is stable.
 */
export function mergeAccountRules(rows: Array<{ account_id: string; channel: string; enabled: boolean; locked: boolean }>): AccountRules {
  const rules: AccountRules = {};
  const rank = (r: { enabled: boolean; locked: boolean }) => (r.locked ? 2 : 0) + (r.enabled ? 1 : 0);
  for (const row of [...rows].sort((a, b) => a.account_id.localeCompare(b.account_id))) {
    const channel = row.channel as Channel;
    const next = { accountId: row.account_id, enabled: row.enabled, locked: row.locked };
    const held = rules[channel];
    if (!held || rank(next) > rank(held)) {
      rules[channel] = next;
    }
  }
  return rules;
}

/**
 * What is wrong with asking for `enabled` on one event and channel, checked the same way for a
 * person's preferences and an account's defaults: an unknown event, a channel the event does not
 * have, or a mandatory email turned off. Field names are those of item `i` of the request.
 */
export function channelChoiceErrors(
  definitions: ReadonlyMap<string, EventDefinition>,
  c: { event: string; channel: string; enabled: boolean },
  i: number,
): Array<{ field: string; message: string }> {
  const def = definitions.get(c.event);
  if (!def) {
    return [{ field: `items.${i}.event`, message: 'is not an event of the catalogue' }];
  }
  if (!def.channels.includes(c.channel as Channel)) {
    return [{ field: `items.${i}.channel`, message: `is not a channel of ${c.event} (${def.channels.join(', ')})` }];
  }
  if (c.channel === 'email' && def.mandatoryEmail && !c.enabled) {
    return [{ field: `items.${i}.enabled`, message: `${c.event} always reaches email: it cannot be turned off` }];
  }
  return [];
}

@Injectable()
export class PreferencesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly hostTypes: HostEventTypesService,
    private readonly memberships: AccountMemberships,
  ) {}

  /** The user's answer: the accounts' rules merged as for a user-level event (mergeAccountRules). */
  async list(userId: string): Promise<EventPreferences[]> {
    const rows: Array<{ event: string; channel: Channel; enabled: boolean }> = await this.dataSource.query(
      `SELECT event, channel, enabled FROM notification_preferences WHERE user_id = $1`,
      [userId],
    );
    const byEvent = new Map<string, PreferenceOverrides>();
    for (const r of rows) {
      byEvent.set(r.event, { ...byEvent.get(r.event), [r.channel]: r.enabled });
    }
    const rules = await this.accountRulesByEvent(userId, null, this.dataSource.manager);
    return (await this.hostTypes.allDefinitions()).map(([event, def]) => {
      return {
        event,
        category: def.category,
        description: def.description,
        channels: def.channels.map((channel) => {
          const r = resolveChannel(def, channel, byEvent.get(event) ?? {}, rules.get(event));
          const lockedBy = r.source === 'mandatory' ? 'mandatory' : r.rule?.locked ? 'account' : undefined;
          return {
            channel,
            enabled: r.enabled,
            default: r.default,
            locked: lockedBy !== undefined,
            ...(lockedBy ? { lockedBy } : {}),
            source: r.source,
            ...(r.rule ? { accountId: r.rule.accountId } : {}),
          } satisfies ChannelPreference;
        }),
      };
    });
  }

  async update(userId: string, changes: PreferenceChange[]): Promise<EventPreferences[]> {
    const definitions = new Map(await this.hostTypes.allDefinitions());
    const rules = await this.accountRulesByEvent(userId, null, this.dataSource.manager);
    const errors = changes.flatMap((c, i) => {
      const invalid = channelChoiceErrors(definitions, c, i);
      if (invalid.length > 0) {
        return invalid;
      }
      const rule = rules.get(c.event)?.[c.channel as Channel];
      if (rule?.locked && rule.enabled !== c.enabled) {
        return [
          {
            field: `items.${i}.enabled`,
            message: `${c.event} by ${c.channel} is locked ${rule.enabled ? 'on' : 'off'} by account ${rule.accountId}`,
          },
        ];
      }
      return [];
    });
    if (errors.length > 0) {
      const locked = errors.every((e) => e.field.endsWith('.enabled'));
      throw notificationsError(
        locked ? 'CHANNEL_LOCKED' : 'CHANNEL_NOT_AVAILABLE',
        locked
          ? 'A channel you asked to change is locked: security messages always reach email, and an account can lock its defaults.'
          : 'Unknown event or channel.',
        { errors },
      );
    }
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      for (const c of changes) {
        await m.query(
          `INSERT INTO notification_preferences (user_id, event, channel, enabled, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (user_id, event, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at`,
          [userId, c.event, c.channel, c.enabled, now],
        );
      }
    });
    return this.list(userId);
  }

  async overrides(userId: string, event: string, m: EntityManager): Promise<PreferenceOverrides> {
    const rows: Array<{ channel: Channel; enabled: boolean }> = await m.query(
      `SELECT channel, enabled FROM notification_preferences WHERE user_id = $1 AND event = $2`,
      [userId, event],
    );
    return Object.fromEntries(rows.map((r) => [r.channel, r.enabled]));
  }

  /**
   * The account rules for one user, per event. With `accountId` (an account-scoped event) only
   * that account's; without, every account the user belongs to, merged (mergeAccountRules).
   */
  async accountRulesByEvent(
    userId: string,
    accountId: string | null,
    m: EntityManager,
    event?: string,
  ): Promise<Map<string, AccountRules>> {
    const accountIds = accountId ? [accountId] : await this.memberships.accountIdsOf(userId, m);
    const byEvent = new Map<string, AccountRules>();
    if (accountIds.length === 0) {
      return byEvent;
    }
    const rows: Array<{ account_id: string; event: string; channel: string; enabled: boolean; locked: boolean }> = await m.query(
      `SELECT account_id, event, channel, enabled, locked FROM account_notification_defaults
        WHERE account_id = ANY($1::uuid[]) ${event ? 'AND event = $2' : ''}`,
      event ? [accountIds, event] : [accountIds],
    );
    const grouped = new Map<string, typeof rows>();
    for (const r of rows) {
      grouped.set(r.event, [...(grouped.get(r.event) ?? []), r]);
    }
    for (const [name, list] of grouped) {
      byEvent.set(name, mergeAccountRules(list));
    }
    return byEvent;
  }
}
