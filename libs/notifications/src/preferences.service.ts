import { Clock } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { Channel, EVENT_CATALOGUE, EventDefinition, EventType, defaultChannels } from './event-catalogue';
import { HostEventTypesService } from './host-event-types.service';
import { notificationsError } from './notifications.exception';

export type PreferenceOverrides = Partial<Record<Channel, boolean>>;

export interface ChannelPreference {
  channel: Channel;
  enabled: boolean;
  default: boolean;
  /** Cannot be turned off: security and transactional events always reach email. */
  locked: boolean;
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

/** Which channels one event reaches for one user: catalogue defaults, then the user's choices, then the mandatory rule. */
export function resolveChannels(def: EventDefinition, overrides: PreferenceOverrides): Channel[] {
  return def.channels.filter((c) => (c === 'email' && def.mandatoryEmail) || (overrides[c] ?? defaultChannels(def).includes(c)));
}

@Injectable()
export class PreferencesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly hostTypes: HostEventTypesService,
  ) {}

  /** The built-in catalogue, then the host's registered types that are not retired (their latest version). */
  private async definitions(): Promise<Array<[string, EventDefinition]>> {
    const builtIn = (Object.keys(EVENT_CATALOGUE) as EventType[]).map((e): [string, EventDefinition] => [e, EVENT_CATALOGUE[e]]);
    const host = (await this.hostTypes.active()).map((t): [string, EventDefinition] => [t.name, this.hostTypes.definition(t)]);
    return [...builtIn, ...host];
  }

  async list(userId: string): Promise<EventPreferences[]> {
    const rows: Array<{ event: string; channel: Channel; enabled: boolean }> = await this.dataSource.query(
      `SELECT event, channel, enabled FROM notification_preferences WHERE user_id = $1`,
      [userId],
    );
    const byEvent = new Map<string, PreferenceOverrides>();
    for (const r of rows) {
      byEvent.set(r.event, { ...byEvent.get(r.event), [r.channel]: r.enabled });
    }
    return (await this.definitions()).map(([event, def]) => {
      const enabled = resolveChannels(def, byEvent.get(event) ?? {});
      return {
        event,
        category: def.category,
        description: def.description,
        channels: def.channels.map((channel) => ({
          channel,
          enabled: enabled.includes(channel),
          default: defaultChannels(def).includes(channel),
          locked: channel === 'email' && def.mandatoryEmail,
        })),
      };
    });
  }

  async update(userId: string, changes: PreferenceChange[]): Promise<EventPreferences[]> {
    const definitions = new Map(await this.definitions());
    const errors = changes.flatMap((c, i) => {
      const def = definitions.get(c.event);
      if (!def) {
        return [{ field: `items.${i}.event`, message: 'is not an event of the catalogue' }];
      }
      if (!def.channels.includes(c.channel as Channel)) {
        return [{ field: `items.${i}.channel`, message: `is not a channel of ${c.event} (${def.channels.join(', ')})` }];
      }
      if (c.channel === 'email' && def.mandatoryEmail && !c.enabled) {
        return [{ field: `items.${i}.enabled`, message: `${c.event} always reaches email` }];
      }
      return [];
    });
    if (errors.length > 0) {
      const locked = errors.every((e) => e.field.endsWith('.enabled'));
      throw notificationsError(
        locked ? 'CHANNEL_LOCKED' : 'CHANNEL_NOT_AVAILABLE',
        locked ? 'Security messages always reach your email.' : 'Unknown event or channel.',
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
}
