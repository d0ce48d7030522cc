import { APP_CONFIG, AppConfig, Clock, SecretBox, requestContext } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';

import { Channel, EVENT_CATALOGUE, EventDefinition, EventType } from './event-catalogue';
import { HostEventTypeVersion, HostEventTypesService } from './host-event-types.service';
import { NotificationOutbox } from './notification-outbox.entity';
import { sealPayload, withoutSecrets } from './outbox-secrets';
import { PreferencesService, resolveChannels } from './preferences.service';
import { MarketingConsent } from './marketing-consent';
import { RecipientDirectory } from './recipient-directory';
import { TemplateRenderer } from './template-renderer';

export interface Recipient {
  userId?: string | null;
  email: string;
  name?: string;
  locale?: string;
  /** E.164; looked up from the user's profile when omitted. */
  phone?: string | null;
}

export interface NotifyInput {
  event: EventType;
  to: Recipient;
  data?: Record<string, unknown>;
  /**
   * The account an account-scoped event is about (a role change, a removal): that account's
   * notification defaults apply. Without it the event is user-level and the defaults of every
   * account the user belongs to apply, merged (mergeAccountRules).
   */
  accountId?: string;
  /** Defaults to a fresh key per call; give one to make a retried request notify once. */
  idempotencyKey?: string;
}

/** An event of a type the host registered: `event` is its name, rendered with the version given. */
export interface HostNotifyInput extends Omit<NotifyInput, 'event'> {
  event: string;
  hostType: HostEventTypeVersion;
}

export interface NotifyResult {
  channels: Channel[];
  /** Set when nothing was sent on purpose: a marketing event for a user without marketing consent. */
  skipped?: 'no_marketing_consent';
}

/**
 * Producer side only: writes outbox rows (and in-app inbox entries) in the caller's
 * transaction, so a notification exists exactly when the change it describes committed. The
 * user's preferences are read in the same transaction, so a change applies to the next event;
 * security and transactional events always include email. The relay and the worker do the rest.
 */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectRepository(NotificationOutbox) private readonly outbox: Repository<NotificationOutbox>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly renderer: TemplateRenderer,
    private readonly secrets: SecretBox,
    private readonly hostTypes: HostEventTypesService,
    private readonly preferences: PreferencesService,
    private readonly consent: MarketingConsent,
    private readonly directory: RecipientDirectory,
  ) {}

  async notify(input: NotifyInput | HostNotifyInput, manager?: EntityManager): Promise<NotifyResult> {
    if (!manager) {
      return this.dataSource.transaction((m) => this.notify(input, m));
    }
    const host = 'hostType' in input ? input.hostType : undefined;
    const def: EventDefinition | undefined = host ? this.hostTypes.definition(host) : EVENT_CATALOGUE[input.event as EventType];
    if (!def) {
      throw new Error(`Unknown notification event ${String(input.event)}`);
    }
    const userId = input.to.userId ?? null;
    const key = input.idempotencyKey ?? crypto.randomUUID();
    if (def.marketing && !(userId && (await this.consent.granted(userId, manager)))) {
      await this.recordSkipped(input.event, userId, key, manager);
      return { channels: [], skipped: 'no_marketing_consent' };
    }
    const known = userId ? await this.recipientState(userId, input.event, manager) : undefined;
    const rules = userId
      ? (await this.preferences.accountRulesByEvent(userId, input.accountId ?? null, manager, input.event)).get(input.event)
      : undefined;
    const wanted = resolveChannels(def, known?.overrides ?? {}, rules);
    const phone = input.to.phone ?? known?.phone ?? null;
    const requestId = requestContext.get()?.requestId ?? null;
    const now = this.clock.now();
    const payload = {
      name: input.to.name,
      locale: input.to.locale,
      data: (input.data ?? {}) as NotificationOutbox['payload']['data'],
      ...(host ? { hostVersion: host.version } : {}),
    };

    const rows: Array<Partial<NotificationOutbox>> = [];
    const sent: Channel[] = [];
    for (const channel of wanted) {
      let recipient: string | null = null;
      switch (channel) {
        case 'email':
          recipient = input.to.email;
          break;
        case 'sms':
          recipient = phone;
          break;
        case 'discord':
          recipient = userId && known?.discord ? `discord:${userId}` : null;
          break;
        case 'in_app':
          if (userId) {
            await this.addToInbox(def, input, userId, `${key}:in_app`, manager);
            sent.push(channel);
          }
          continue;
      }
      if (!recipient) {
        continue;
      }
      sent.push(channel);
      rows.push({
        createdAt: now,
        availableAt: now,
        event: input.event,
        channel,
        userId,
        recipient,
        payload: sealPayload(this.secrets, payload, `${key}:${channel}`),
        idempotencyKey: `${key}:${channel}`,
        status: 'pending',
        attempts: 0,
        requestId,
      });
    }
    if (rows.length > 0) {
      await manager.getRepository(NotificationOutbox).createQueryBuilder().insert().values(rows).orIgnore().execute();
    }
    return { channels: sent };
  }

  /**
   * A dropped marketing event leaves one 'skipped' outbox row (no address, no content), so the
   * outbox metrics count it and support can see why nothing arrived.
   */
  private async recordSkipped(event: string, userId: string | null, key: string, m: EntityManager): Promise<void> {
    const now = this.clock.now();
    await m
      .getRepository(NotificationOutbox)
      .createQueryBuilder()
      .insert()
      .values({
        createdAt: now,
        availableAt: now,
        event,
        channel: 'email',
        userId,
        recipient: userId ? `user:${userId}` : 'unknown',
        payload: { data: {} } as NotificationOutbox['payload'],
        idempotencyKey: `${key}:skipped`,
        status: 'skipped',
        attempts: 0,
        lastError: 'no_marketing_consent',
        requestId: requestContext.get()?.requestId ?? null,
      })
      .orIgnore()
      .execute();
  }

  /**
   * A row for a channel that is not a person's notification (a security webhook), written in the
   * caller's transaction; idempotent by key. Retries, dead letters and replay are the outbox's.
   */
  async enqueue(
    row: {
      event: string;
      channel: 'webhook';
      recipient: string;
      userId: string | null;
      data: Record<string, unknown>;
      idempotencyKey: string;
    },
    m: EntityManager,
  ): Promise<{ id: string }> {
    const now = this.clock.now();
    await m
      .getRepository(NotificationOutbox)
      .createQueryBuilder()
      .insert()
      .values({
        createdAt: now,
        availableAt: now,
        event: row.event,
        channel: row.channel,
        userId: row.userId,
        recipient: row.recipient,
        payload: { data: row.data as NotificationOutbox['payload']['data'] },
        idempotencyKey: row.idempotencyKey,
        status: 'pending',
        attempts: 0,
        requestId: requestContext.get()?.requestId ?? null,
      })
      .orIgnore()
      .execute();
    const [written] = await m
      .getRepository(NotificationOutbox)
      .find({ select: { id: true }, where: { idempotencyKey: row.idempotencyKey }, take: 1 });
    return { id: written!.id };
  }

  /** The delivery log of one recipient (a webhook endpoint), newest first. */
  async deliveriesTo(recipient: string, limit: number, before?: { at: string; id: string }): Promise<NotificationOutbox[]> {
    const qb = this.outbox
      .createQueryBuilder('o')
      .where('o.recipient = :recipient', { recipient })
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1);
    if (before) {
      qb.andWhere('(o.created_at, o.id) < (:at, :id)', { at: before.at, id: before.id });
    }
    return qb.getMany();
  }

  /** The user's phone (users' RecipientDirectory) and their own channel settings (this lib's tables). */
  private async recipientState(userId: string, event: string, m: EntityManager) {
    const user = await this.directory.findUser(userId, m);
    if (!user) {
      return undefined;
    }
    const rows: Array<{ discord: boolean; overrides: Record<string, boolean> | string | null }> = await m.query(
      `SELECT EXISTS (SELECT 1 FROM notification_webhooks w WHERE w.user_id = $1) AS discord,
              (SELECT jsonb_object_agg(p.channel, p.enabled) FROM notification_preferences p WHERE p.user_id = $1 AND p.event = $2) AS overrides`,
      [userId, event],
    );
    const row = rows[0]!;
    const overrides = typeof row.overrides === 'string' ? JSON.parse(row.overrides) : (row.overrides ?? {});
    return { phone: user.phone, discord: row.discord, overrides: overrides as Partial<Record<Channel, boolean>> };
  }

  private async addToInbox(def: EventDefinition, input: NotifyInput | HostNotifyInput, userId: string, key: string, m: EntityManager) {
    // The inbox keeps the message: token links stay in the email only.
    const context = {
      ...withoutSecrets(input.data ?? {}),
      name: input.to.name ?? input.to.email,
      locale: input.to.locale ?? 'en',
      publicUrl: this.config.http.publicUrl,
    };
    const message =
      'hostType' in input
        ? this.hostTypes.render(input.hostType, 'in_app', context)
        : this.renderer.render(def.template, def.subject, context);
    // Only a plain link the host gave; emailed token links never land in the inbox.
    const link = typeof input.data?.url === 'string' ? input.data.url : null;
    await m.query(
      `INSERT INTO notification_inbox (user_id, event, category, title, body, link, idempotency_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING`,
      [userId, input.event, def.category, message.subject, message.summary, link, key, this.clock.now()],
    );
  }
}
