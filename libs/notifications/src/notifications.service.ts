import { APP_CONFIG, AppConfig, Clock } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { EVENT_CATALOGUE, EventType } from './event-catalogue';
import { NotificationOutbox } from './notification-outbox.entity';

export interface Recipient {
  userId?: string | null;
  email: string;
  name?: string;
  locale?: string;
}

export interface NotifyInput {
  event: EventType;
  to: Recipient;
  data?: Record<string, unknown>;
  /** Defaults to a fresh key per call; give one to make a retried request notify once. */
  idempotencyKey?: string;
}

/**
 * Producer side only: writes outbox rows in the caller's transaction, so a notification exists
 * exactly when the change it describes committed. The relay and the worker do the rest.
 */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectRepository(NotificationOutbox) private readonly outbox: Repository<NotificationOutbox>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async notify(input: NotifyInput, manager?: EntityManager): Promise<void> {
    const def = EVENT_CATALOGUE[input.event];
    const repo = manager ? manager.getRepository(NotificationOutbox) : this.outbox;
    const now = this.clock.now();
    const rows = def.channels.map((channel) => ({
      createdAt: now,
      availableAt: now,
      event: input.event,
      channel,
      userId: input.to.userId ?? null,
      recipient: input.to.email,
      payload: { name: input.to.name, locale: input.to.locale, data: (input.data ?? {}) as NotificationOutbox['payload']['data'] },
      idempotencyKey: input.idempotencyKey ? `${input.idempotencyKey}:${channel}` : `${crypto.randomUUID()}:${channel}`,
      status: 'pending' as const,
      attempts: 0,
    }));
    await repo.createQueryBuilder().insert().values(rows).orIgnore().execute();
  }

  /** Link builder for emails: always from PUBLIC_URL, never from a request's Host header. */
  link(pathAndQuery: string): string {
    return `${this.config.http.publicUrl}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`;
  }
}
