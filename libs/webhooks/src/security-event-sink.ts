import { AuditSink, RecordedAuditEntry } from '@latchkey/audit';
import { AccountMemberships } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { WebhookEndpoint } from './webhook-endpoint.entity';
import { webhookEventOf } from './webhook-events';
import { recipientOf } from './webhook-endpoints.service';

/**
 * Turns audit entries into security webhook deliveries, in the transaction of the change: to the
 * deployment's endpoints, to the endpoints of the account the entry is about, and, for a user's
 * own security events, to the endpoints of every account that user belongs to.
 */
@Injectable()
export class SecurityEventSink extends AuditSink {
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly memberships: AccountMemberships,
  ) {
    super();
  }

  interested(entry: Omit<RecordedAuditEntry, 'id'>): boolean {
    return webhookEventOf(entry) !== undefined;
  }

  async recorded(entry: RecordedAuditEntry, manager: EntityManager | undefined): Promise<void> {
    const event = webhookEventOf(entry);
    if (!event) {
      return;
    }
    const m = manager ?? this.dataSource.manager;
    const accountIds = new Set<string>();
    if (event.deploymentOnly) {
      // Only the deployment's endpoints (account_id IS NULL) hear it.
    } else if (entry.accountId) {
      accountIds.add(entry.accountId);
    } else if (event.data.userId) {
      // Through core's AccountMemberships port, which accounts provides from its domain module
      // (the worker, which writes audit entries too, has it without accounts' HTTP parts).
      for (const accountId of await this.memberships.accountIdsOf(String(event.data.userId), m)) {
        accountIds.add(accountId);
      }
    }
    const endpoints = await m
      .getRepository(WebhookEndpoint)
      .createQueryBuilder('e')
      .where('e.enabled')
      .andWhere('(e.account_id IS NULL OR e.account_id = ANY(:accounts))', { accounts: [...accountIds] })
      .andWhere('(cardinality(e.events) = 0 OR :type = ANY(e.events))', { type: event.type })
      .getMany();
    for (const endpoint of endpoints) {
      await this.notifications.enqueue(
        {
          event: event.type,
          channel: 'webhook',
          recipient: recipientOf(endpoint.id),
          userId: typeof event.data.userId === 'string' ? event.data.userId : null,
          data: {
            ...event.data,
            occurredAt: entry.occurredAt.toISOString(),
            auditId: entry.id,
            ...(endpoint.accountId ? { accountId: event.data.accountId ?? endpoint.accountId } : {}),
          },
          idempotencyKey: `webhook:${entry.id}:${endpoint.id}`,
        },
        m,
      );
    }
  }
}
