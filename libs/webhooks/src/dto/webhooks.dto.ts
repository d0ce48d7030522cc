import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

import { WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES } from '../webhook-events';

const EVENT_LIST = Object.entries(WEBHOOK_EVENTS)
  .map(([type, what]) => `\`${type}\`: ${what}`)
  .join('; ');

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://hooks.example.com/latchkey',
    maxLength: 2000,
    description: 'https; private, loopback and link-local addresses are refused (WEBHOOKS_ALLOW_PRIVATE)',
  })
  @IsString()
  @MinLength(8)
  @MaxLength(2000)
  url: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: WEBHOOK_EVENT_TYPES,
    description: `Event types to receive; empty or absent: all. ${EVENT_LIST}`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({ type: [String], enum: WEBHOOK_EVENT_TYPES })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10080,
    default: 1440,
    description: 'How long the replaced secret still signs (a second signature), in minutes',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10080)
  previousValidForMinutes?: number;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null: a deployment-wide endpoint' }) accountId: string | null;
  @ApiProperty() url: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String], enum: WEBHOOK_EVENT_TYPES, description: 'Empty: every type' }) events: string[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Until when the previous secret also signs' })
  previousSecretValidUntil: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) items: WebhookEndpointDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Always null: at most 10 endpoints' }) nextCursor: string | null;
}

export class WebhookEndpointWithSecretDto {
  @ApiProperty({ type: WebhookEndpointDto }) endpoint: WebhookEndpointDto;
  @ApiProperty({ example: 'whsec_…', description: 'The signing secret (Standard Webhooks), shown this once' }) secret: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header the receiver got' }) id: string;
  @ApiProperty({ example: 'mfa.enabled' }) type: string;
  @ApiProperty({ enum: ['pending', 'queued', 'sending', 'delivered', 'dead', 'skipped'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deliveredAt: string | null;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) items: WebhookDeliveryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class WebhookTestDto {
  @ApiProperty({ format: 'uuid', description: 'The delivery to look for in the log' }) deliveryId: string;
}
