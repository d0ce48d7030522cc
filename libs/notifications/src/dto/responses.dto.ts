import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

import { CHANNELS, Channel, EventCategory, EventDataField, EventType } from '../event-catalogue';
import { DeadLetter } from '../dead-letters.service';
import { HostEventResult } from '../host-events.service';
import { InboxItem, InboxPage } from '../inbox.service';
import { ChannelPreference, EventPreferences } from '../preferences.service';
import { WebhookLink } from '../webhooks.service';

// Response shapes for the OpenAPI document; `implements` keeps each in step with the service type it documents.

const CATEGORIES: EventCategory[] = ['transactional', 'security', 'team', 'product', 'marketing'];

export class InboxItemDto implements InboxItem {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'security.new_sign_in' }) event: string;
  @ApiProperty({ enum: CATEGORIES }) category: string;
  @ApiProperty() title: string;
  @ApiProperty() body: string;
  @ApiProperty({ type: String, nullable: true }) link: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: Date, nullable: true }) readAt: Date | null;
}

export class InboxPageDto implements InboxPage {
  @ApiProperty({ type: [InboxItemDto] }) items: InboxItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
  @ApiProperty({ minimum: 0 }) unreadCount: number;
}

export class UnreadCountDto {
  @ApiProperty({ minimum: 0 }) unreadCount: number;
}

export class ChannelPreferenceDto implements ChannelPreference {
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: "What the channel is without the user's choice: an account's default, else the catalogue's" })
  default: boolean;
  @ApiProperty({ description: 'Cannot be changed: security and transactional events always reach email, or an account locked it' })
  locked: boolean;
  @ApiPropertyOptional({ enum: ['mandatory', 'account'], description: 'Why the channel is locked' }) lockedBy?: 'mandatory' | 'account';
  @ApiProperty({ enum: ['mandatory', 'account', 'user', 'catalogue'], description: 'Where `enabled` comes from' })
  source: ChannelPreference['source'];
  @ApiPropertyOptional({ format: 'uuid', description: 'The account whose default or lock applies (the first by id when several agree)' })
  accountId?: string;
}

export class EventPreferencesDto implements EventPreferences {
  @ApiProperty({ type: String, example: 'security.new_sign_in' }) event: EventType;
  @ApiProperty({ enum: CATEGORIES }) category: EventCategory;
  @ApiProperty() description: string;
  @ApiProperty({ type: [ChannelPreferenceDto] }) channels: ChannelPreferenceDto[];
}

export class PreferencesListDto {
  @ApiProperty({ type: [EventPreferencesDto] }) items: EventPreferencesDto[];
}

export class WebhookLinkDto implements WebhookLink {
  @ApiProperty({ enum: ['discord'] }) kind: 'discord';
  @ApiProperty({ description: 'The webhook id only; the token part of the URL is never shown again', example: 'webhook 1234567890' })
  hint: string;
  @ApiProperty() createdAt: Date;
}

export class NotificationChannelsDto {
  @ApiProperty({ type: WebhookLinkDto, nullable: true }) discord: WebhookLinkDto | null;
}

export class HostEventResultDto implements HostEventResult {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'invoice.issued' }) type: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The version of a registered host type it was rendered with; null for catalogue events',
  })
  version: number | null;
  @ApiProperty({ minimum: 0, description: 'How many users the event was queued for' }) recipients: number;
  @ApiProperty({ minimum: 0, description: 'Users left out on purpose: a marketing event for users without marketing consent' })
  skipped: number;
  @ApiProperty({ description: 'This id was received before: nothing was sent again' }) duplicate: boolean;
}

export class EventDataFieldDto implements EventDataField {
  @ApiProperty({ enum: ['string', 'number', 'url'] }) type: 'string' | 'number' | 'url';
  @ApiPropertyOptional() optional?: boolean;
  @ApiPropertyOptional() description?: string;
}

export class CatalogueEventDto {
  @ApiProperty({ example: 'invoice.issued' }) type: string;
  @ApiProperty({ enum: CATEGORIES }) category: EventCategory;
  @ApiProperty() description: string;
  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'Where the event may go' }) channels: Channel[];
  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'The channels on by default' }) defaults: Channel[];
  @ApiProperty({ description: 'Always reaches email' }) mandatoryEmail: boolean;
  @ApiProperty({ description: 'The host application may publish it through POST /api/v1/events' }) hostPublishable: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(EventDataFieldDto) },
    description:
      'The fields of data a host event carries (required unless optional); for a registered type, its top-level fields (dataSchema is exact)',
  })
  data: Record<string, EventDataFieldDto>;
  @ApiProperty({ enum: ['builtin', 'host'], description: 'builtin: the catalogue in code; host: a type the host application registered' })
  source: 'builtin' | 'host';
  @ApiProperty({ type: Number, nullable: true, description: 'A registered type: its latest version' }) version: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'A registered type: the JSON Schema of its data',
  })
  dataSchema: Record<string, unknown> | null;
}

export class EventCatalogueDto {
  @ApiProperty({ enum: CHANNELS, isArray: true }) channels: Channel[];
  @ApiProperty({ type: [CatalogueEventDto] }) items: CatalogueEventDto[];
}

export class DeadLetterDto implements DeadLetter {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() event: string;
  @ApiProperty({
    enum: [...CHANNELS, 'webhook', 'account_discord'],
    description: "A person's channel, a security webhook, or an account's Discord channel for account alerts",
  })
  channel: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) userId: string | null;
  @ApiProperty({ description: 'Masked: enough to recognise, not to harvest' }) recipient: string;
  @ApiProperty({ minimum: 0 }) attempts: number;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty() createdAt: Date;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) items: DeadLetterDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ReplayedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['pending'] }) status: 'pending';
}
