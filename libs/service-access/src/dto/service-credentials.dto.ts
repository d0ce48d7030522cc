import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

import { SERVICE_SCOPES } from '../service-scopes';

const SCOPE_LIST = Object.entries(SERVICE_SCOPES)
  .map(([scope, what]) => `\`${scope}\`: ${what}`)
  .join('; ');

export class CreateServiceCredentialDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 64,
    example: 'billing-sync',
    description: 'Unique among active credentials: letters, digits, space, . _ -',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, { message: 'name may hold letters, digits, spaces, dots, underscores and dashes' })
  name: string;

  @ApiProperty({ type: [String], enum: Object.keys(SERVICE_SCOPES), minItems: 1, description: `What the credential may do. ${SCOPE_LIST}` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  scopes: string[];
}

export class RotateServiceCredentialDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10080,
    default: 1440,
    description: 'How long the secret being replaced keeps working, in minutes (0: stops at once; at most 7 days)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10080)
  previousValidForMinutes?: number;
}

export class ServiceCredentialDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], enum: Object.keys(SERVICE_SCOPES) }) scopes: string[];
  @ApiProperty({ example: 'lksv_AbC1', description: 'The first characters of the current secret, to tell credentials apart' })
  secretHint: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: 'The credential that created it, or SERVICE_TOKEN' }) createdBy: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) rotatedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Until when the secret replaced by the last rotation still works',
  })
  previousSecretValidUntil: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'To the minute' }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;
}

export class IssuedServiceCredentialDto {
  @ApiProperty({ type: ServiceCredentialDto }) credential: ServiceCredentialDto;
  @ApiProperty({
    example: 'lksv_…',
    description: 'The secret, shown this once: only its hash is kept. Send it as Authorization: Bearer <secret>',
  })
  secret: string;
}

export class ServiceCredentialPageDto {
  @ApiProperty({ type: [ServiceCredentialDto] }) items: ServiceCredentialDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
