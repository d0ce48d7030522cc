import { AccountMemberships, Clock, FieldError } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { EVENT_CATALOGUE, EventDefinition, EventType, isEventType } from './event-catalogue';
import { HostEventTypeVersion, HostEventTypesService } from './host-event-types.service';
import { notificationsError } from './notifications.exception';
import { NotificationsService } from './notifications.service';
import { DirectoryUser, RecipientDirectory } from './recipient-directory';

export interface HostEvent {
  id: string;
  type: string;
  userId?: string;
  accountId?: string;
  roles?: string[];
  data?: Record<string, unknown>;
  /** A registered host type only: the version to render with (the latest when omitted). */
  version?: number;
}

export interface HostEventResult {
  id: string;
  type: string;
  /** The version of a registered host type the event was rendered with; null for catalogue events. */
  version: number | null;
  recipients: number;
  /** Recipients left out on purpose: a marketing event for users without marketing consent. */
  skipped: number;
  /** True when this id was received before: nothing was sent again. */
  duplicate: boolean;
}

const bad = (errors: FieldError[], code: 'UNKNOWN_EVENT_TYPE' | 'INVALID_EVENT_DATA' = 'INVALID_EVENT_DATA') =>
  notificationsError(code, `Invalid field(s): ${[...new Set(errors.map((e) => e.field))].join(', ')}.`, { errors });

/** Events the host application publishes: checked against the catalogue, fanned out, idempotent by id. */
/** The stored answer of an event taken before, as a duplicate's answer. */
function asDuplicate(stored: unknown): HostEventResult {
  const result = (typeof stored === 'string' ? JSON.parse(stored) : stored) as HostEventResult;
  return { ...result, version: result.version ?? null, skipped: result.skipped ?? 0, duplicate: true };
}

@Injectable()
export class HostEventsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly directory: RecipientDirectory,
    private readonly memberships: AccountMemberships,
    private readonly clock: Clock,
    private readonly hostTypes: HostEventTypesService,
  ) {}

  async publish(event: HostEvent): Promise<HostEventResult> {
    // The built-in catalogue wins; a registered type lives in the host. namespace, which it never uses.
    let hostType: HostEventTypeVersion | undefined;
    if (isEventType(event.type)) {
      this.validate(event);
    } else {
      // A retry of an event already taken answers what it answered then, even if its type was
      // retired or versioned since (the checks below read state that moves).
      const [prior] = await this.dataSource.query(`SELECT result FROM notification_host_events WHERE id = $1`, [event.id]);
      if (prior?.result) {
        return asDuplicate(prior.result);
      }
      hostType = await this.validateHost(event);
    }
    return this.dataSource.transaction(async (m) => {
      const inserted: Array<{ id: string }> = await m.query(
        `INSERT INTO notification_host_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [event.id, event.type, this.clock.now()],
      );
      if (inserted.length === 0) {
        const [prior] = await m.query(`SELECT result FROM notification_host_events WHERE id = $1`, [event.id]);
        return asDuplicate(prior.result);
      }
      const recipients = await this.recipients(event, m);
      let skipped = 0;
      for (const user of recipients) {
        const common = {
          to: { userId: user.id, email: user.email, name: user.name, locale: user.locale, phone: user.phone },
          data: event.data,
          // Sent to an account's members: that account's notification defaults apply.
          accountId: event.accountId,
          idempotencyKey: `host:${event.id}:${user.id}`,
        };
        const sent = await this.notifications.notify(
          hostType ? { ...common, event: event.type, hostType } : { ...common, event: event.type as EventType },
          m,
        );
        skipped += sent.skipped ? 1 : 0;
      }
      const result: HostEventResult = {
        id: event.id,
        type: event.type,
        version: hostType?.version ?? null,
        recipients: recipients.length - skipped,
        skipped,
        duplicate: false,
      };
      await m.query(`UPDATE notification_host_events SET result = $2 WHERE id = $1`, [event.id, JSON.stringify(result)]);
      return result;
    });
  }

  /** A type the host registered: the version it names (or the latest), and data checked against that version's JSON Schema. */
  private async validateHost(event: HostEvent): Promise<HostEventTypeVersion> {
    const type = await this.hostTypes.forPublish(event.type, event.version);
    this.validateAddressing(event);
    const errors = this.hostTypes.validateData(type, event.data ?? {});
    if (errors.length > 0) {
      throw bad(errors);
    }
    return type;
  }

  private validateAddressing(event: HostEvent): void {
    if (Boolean(event.userId) === Boolean(event.accountId)) {
      throw bad([{ field: 'userId', message: 'give exactly one of userId and accountId' }]);
    }
    if (event.roles && !event.accountId) {
      throw bad([{ field: 'roles', message: 'only applies with accountId' }]);
    }
  }

  private validate(event: HostEvent): EventDefinition {
    if (!isEventType(event.type) || !(EVENT_CATALOGUE[event.type] as EventDefinition).hostPublishable) {
      throw bad([{ field: 'type', message: `is not an event the host may publish (GET /api/v1/events/catalogue)` }], 'UNKNOWN_EVENT_TYPE');
    }
    if (event.version !== undefined) {
      throw bad([{ field: 'version', message: 'only applies to a type the host registered (host.…)' }]);
    }
    this.validateAddressing(event);
    const def: EventDefinition = EVENT_CATALOGUE[event.type];
    const data = event.data ?? {};
    const fields = def.data ?? {};
    const errors: FieldError[] = [];
    for (const [name, spec] of Object.entries(fields)) {
      const value = data[name];
      if (value === undefined || value === null) {
        if (!spec.optional) {
          errors.push({ field: `data.${name}`, message: 'is required' });
        }
        continue;
      }
      const ok =
        spec.type === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : typeof value === 'string' && value.length <= 2000 && (spec.type !== 'url' || /^https?:\/\/\S+$/.test(value));
      if (!ok) {
        errors.push({ field: `data.${name}`, message: `must be ${spec.type === 'url' ? 'an http(s) URL' : `a ${spec.type}`}` });
      }
    }
    for (const name of Object.keys(data)) {
      if (!(name in fields)) {
        errors.push({ field: `data.${name}`, message: `is not a field of ${event.type}` });
      }
    }
    if (errors.length > 0) {
      throw bad(errors);
    }
    return def;
  }

  private async recipients(event: HostEvent, m: EntityManager): Promise<DirectoryUser[]> {
    if (event.userId) {
      const user = await this.directory.findUser(event.userId, m);
      if (!user) {
        throw notificationsError('EVENT_RECIPIENT_NOT_FOUND', 'No such user.', { errors: [{ field: 'userId', message: 'no such user' }] });
      }
      return [user];
    }
    return this.directory.findUsers(await this.memberships.memberIds(event.accountId as string, event.roles, m), m);
  }
}
