import { AuditService } from '@latchkey/audit';
import { Clock, isUniqueViolation } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { HostEventTypeInput, HostEventTypeVersion, HostEventTypesService } from './host-event-types.service';
import { NotificationsAuditAction } from './notifications.constants';
import { notificationsError } from './notifications.exception';

/**
 * Registering, versioning and retiring host event types, each audited. Apart from
 * HostEventTypesService (which the delivery path reads) because the audit log's subscribers
 * notify: the reading side must not depend on the audit log.
 */
@Injectable()
export class HostEventTypesManager {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly types: HostEventTypesService,
    private readonly audit: AuditService,
  ) {}

  async register(by: string, name: string, input: HostEventTypeInput): Promise<HostEventTypeVersion> {
    const errors = [...this.types.nameErrors(name), ...this.types.check(input)];
    if (errors.length > 0) {
      throw this.types.invalid(errors);
    }
    try {
      return await this.dataSource.transaction(async (m) => {
        const saved = await this.types.insert(m, name, 1, input, by);
        await this.audit.record(
          {
            action: NotificationsAuditAction.EventTypeRegistered,
            actorKind: 'service',
            metadata: { name, version: 1, category: input.category, channels: saved.channels, by },
          },
          m,
        );
        return saved;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw notificationsError('EVENT_TYPE_EXISTS', `${name} is registered already: publish a new version instead.`, {
          errors: [{ field: 'name', message: 'is registered already (POST /service/event-types/{name}/versions adds a version)' }],
        });
      }
      throw err;
    }
  }

  /** A new version of a registered type; the earlier ones stay for the events already queued with them. */
  async addVersion(by: string, name: string, input: HostEventTypeInput): Promise<HostEventTypeVersion> {
    const errors = this.types.check(input);
    if (errors.length > 0) {
      throw this.types.invalid(errors);
    }
    return this.dataSource.transaction(async (m) => {
      // Locks the latest version: two new versions at once are numbered one after the other.
      const [latest] = (await m.query(
        `SELECT version, retired_at FROM notification_event_types WHERE name = $1 ORDER BY version DESC LIMIT 1 FOR UPDATE`,
        [name],
      )) as Array<{ version: number; retired_at: Date | null }>;
      if (!latest) {
        throw this.types.notFound(name);
      }
      if (latest.retired_at) {
        throw notificationsError('EVENT_TYPE_RETIRED', `${name} is retired; register a type under another name.`);
      }
      const version = Number(latest.version) + 1;
      const saved = await this.types.insert(m, name, version, input, by);
      await this.audit.record(
        {
          action: NotificationsAuditAction.EventTypeVersioned,
          actorKind: 'service',
          metadata: { name, version, category: input.category, channels: saved.channels, by },
        },
        m,
      );
      return saved;
    });
  }

  /** Retired: no longer publishable nor in anyone's preferences; events already queued are still delivered. */
  async retire(by: string, name: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const rows = (await m.query(
        `UPDATE notification_event_types SET retired_at = $2 WHERE name = $1 AND retired_at IS NULL RETURNING version`,
        [name, this.clock.now()],
      )) as unknown;
      const updated = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ version: number }>;
      if (updated.length === 0) {
        throw this.types.notFound(name);
      }
      await this.audit.record(
        {
          action: NotificationsAuditAction.EventTypeRetired,
          actorKind: 'service',
          metadata: { name, versions: updated.length, by },
        },
        m,
      );
    });
  }
}
