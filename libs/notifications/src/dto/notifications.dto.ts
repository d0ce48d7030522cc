import { MultiLine } from '@latchkey/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

import { CHANNELS } from '../event-catalogue';

export class PreferenceChangeDto {
  @ApiProperty({ example: 'invoice.issued' })
  @IsString()
  @MaxLength(100)
  event: string;

  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel: string;

  @ApiProperty()
  @IsBoolean()
  enabled: boolean;
}

export class UpdatePreferencesDto {
  @ApiProperty({ type: [PreferenceChangeDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => PreferenceChangeDto)
  items: PreferenceChangeDto[];
}

export class ListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only unread entries (inbox)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: string;
}

export class LinkDiscordDto {
  @ApiProperty({ example: 'https://discord.com/api/webhooks/123456789012345678/abc...' })
  @IsString()
  @MaxLength(500)
  url: string;
}

export const ACCOUNT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export class HostEventDto {
  @ApiProperty({
    description: 'The caller’s event id; the same id again is acknowledged without a second delivery',
    example: 'evt_01HV...',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/, { message: 'id must be 1-200 letters, digits or . _ : -' })
  id: string;

  @ApiProperty({ example: 'invoice.issued' })
  @IsString()
  @MaxLength(100)
  type: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'accountId must be a UUID' })
  accountId?: string;

  @ApiPropertyOptional({ enum: ACCOUNT_ROLES, isArray: true, description: 'With accountId: only members with these roles' })
  @IsOptional()
  @IsArray()
  @IsIn(ACCOUNT_ROLES, { each: true })
  roles?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The fields of the event type: checked against its data fields (catalogue) or its JSON Schema (registered host types)',
  })
  @IsOptional()
  @IsObject()
  @MultiLine()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 1, description: 'A registered host type only: the version to render with; the latest when omitted' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version?: number;
}
