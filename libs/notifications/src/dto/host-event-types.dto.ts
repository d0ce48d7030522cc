import { MultiLine, PageQueryDto } from '@latchkey/core';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

import { CHANNELS, Channel } from '../event-catalogue';
import {
  HOST_EVENT_CATEGORIES,
  HostEventCategory,
  HostEventTypeInput,
  HostEventTypeVersion,
  HostTemplateSet,
} from '../host-event-types.service';

export class EmailTemplateDto {
  @ApiProperty({ example: 'Missed call from {{callerName}}' }) subject: string;
  @ApiProperty({ example: '<p>{{callerName}} called at {{calledAt}}.</p>' }) html: string;
  @ApiProperty({ example: '{{callerName}} called at {{calledAt}}.' }) text: string;
}

export class InAppTemplateDto {
  @ApiProperty({ example: 'Missed call' }) title: string;
  @ApiProperty({ example: '{{callerName}} called at {{calledAt}}' }) body: string;
}

export class TextTemplateDto {
  @ApiProperty({ example: 'Missed call from {{callerName}}' }) text: string;
}

export class HostTemplateSetDto implements HostTemplateSet {
  @ApiPropertyOptional({ type: EmailTemplateDto }) email?: EmailTemplateDto;
  @ApiPropertyOptional({ type: InAppTemplateDto, description: 'The in-app inbox entry' }) inApp?: InAppTemplateDto;
  @ApiPropertyOptional({ type: TextTemplateDto }) sms?: TextTemplateDto;
  @ApiPropertyOptional({ type: TextTemplateDto, description: 'The Discord message (its title is the type’s description)' })
  discord?: TextTemplateDto;
}

const TEMPLATES_SCHEMA = {
  type: 'object',
  additionalProperties: { $ref: getSchemaPath(HostTemplateSetDto) },
  description:
    'Handlebars templates by language tag (`en` required: the fallback of every other language), with a part for each channel of the type. Variables: the fields of dataSchema and name, locale, publicUrl, links.<kind>.',
  example: {
    en: {
      email: { subject: 'Missed call from {{callerName}}', html: '<p>{{callerName}} called.</p>', text: '{{callerName}} called.' },
      inApp: { title: 'Missed call', body: '{{callerName}} called' },
    },
  },
} as const;

export class HostEventTypeBodyDto implements HostEventTypeInput {
  @ApiProperty({ enum: HOST_EVENT_CATEGORIES, description: 'transactional always reaches email; marketing only users who agreed to it' })
  @IsIn(HOST_EVENT_CATEGORIES)
  category: HostEventCategory;

  @ApiProperty({ example: 'A call to your line was not answered', description: 'Shown in the preferences grid' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  description: string;

  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'Where the event may go' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CHANNELS, { each: true })
  channels: Channel[];

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true, description: 'On until the user says otherwise; all of channels when omitted' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CHANNELS, { each: true })
  defaults?: Channel[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'JSON Schema (draft-07) of the event’s data: type object, its properties are the template variables',
    example: { type: 'object', properties: { callerName: { type: 'string' } }, required: ['callerName'], additionalProperties: false },
  })
  @IsObject()
  @MultiLine()
  dataSchema: Record<string, unknown>;

  @ApiProperty(TEMPLATES_SCHEMA)
  @IsObject()
  @MultiLine()
  templates: Record<string, HostTemplateSet>;
}

export class RegisterHostEventTypeDto extends HostEventTypeBodyDto {
  @ApiProperty({ example: 'host.call.missed', description: 'host.<segment>[.<segment>…] (up to 4 segments of a-z, 0-9, _)' })
  @IsString()
  @MaxLength(200)
  name: string;
}

export class HostEventTypeListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Include retired types' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeRetired?: boolean;
}

export class HostEventTypeDto {
  @ApiProperty({ example: 'host.call.missed' }) name: string;
  @ApiProperty({ minimum: 1 }) version: number;
  @ApiProperty({ enum: HOST_EVENT_CATEGORIES }) category: HostEventCategory;
  @ApiProperty() description: string;
  @ApiProperty({ enum: CHANNELS, isArray: true }) channels: Channel[];
  @ApiProperty({ enum: CHANNELS, isArray: true }) defaults: Channel[];
  @ApiProperty({ type: 'object', additionalProperties: true }) dataSchema: Record<string, unknown>;
  @ApiProperty(TEMPLATES_SCHEMA) templates: Record<string, HostTemplateSet>;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'The service credential that wrote this version' }) createdBy: string;
  @ApiProperty({ type: String, nullable: true, description: 'Set once the type is retired' }) retiredAt: string | null;
}

export class HostEventTypeVersionSummaryDto {
  @ApiProperty({ minimum: 1 }) version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() createdBy: string;
}

export class HostEventTypeDetailDto extends HostEventTypeDto {
  @ApiProperty({ type: [HostEventTypeVersionSummaryDto], description: 'Every version, newest first' })
  versions: HostEventTypeVersionSummaryDto[];
}

export class HostEventTypePageDto {
  @ApiProperty({ type: [HostEventTypeDto], description: 'The latest version of each type, by name' }) items: HostEventTypeDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export function toHostEventTypeDto(t: HostEventTypeVersion): HostEventTypeDto {
  return {
    name: t.name,
    version: t.version,
    category: t.category,
    description: t.description,
    channels: t.channels,
    defaults: t.defaults,
    dataSchema: t.dataSchema,
    templates: t.templates,
    createdAt: t.createdAt.toISOString(),
    createdBy: t.createdBy,
    retiredAt: t.retiredAt?.toISOString() ?? null,
  };
}
