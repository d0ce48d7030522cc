import { AccountRole } from '@latchkey/accounts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

import { API_KEY_DEFAULT_DAYS, API_KEY_MAX_DAYS } from '../api-keys.constants';

export const API_KEY_SCOPES = ['read', 'write'] as const;

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'CI deploys' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  name: string;

  @ApiProperty({
    type: [String],
    enum: API_KEY_SCOPES,
    minItems: 1,
    description: '`read`: GET and HEAD only; `write`: also POST, PUT, PATCH, DELETE (write includes read)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: Array<(typeof API_KEY_SCOPES)[number]>;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "Bind the key to one account you belong to: it then reaches only that account's routes",
  })
  @IsOptional()
  @IsUUID()
  accountId?: string;

  @ApiPropertyOptional({
    enum: AccountRole,
    description:
      'With accountId: the most the key may do there, no higher than your role (default: your role now). The key acts with the lower of this cap and your role at the time of each request',
  })
  @IsOptional()
  @IsEnum(AccountRole)
  roleCap?: AccountRole;

  @ApiPropertyOptional({ minimum: 1, maximum: API_KEY_MAX_DAYS, default: API_KEY_DEFAULT_DAYS, description: 'Lifetime in days' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(API_KEY_MAX_DAYS)
  expiresInDays?: number;

  @ApiPropertyOptional({ description: 'A key that never expires: refused unless the deployment allows it (API_KEYS_ALLOW_NO_EXPIRY)' })
  @IsOptional()
  @IsBoolean()
  neverExpires?: boolean;

  @ApiProperty({ description: 'Your current password: creating a key always needs it' })
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ description: 'With 2FA on: a current authenticator, SMS or backup code' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'lk_pat_Ab3x', description: 'The first characters of the secret, to recognise it' }) prefix: string;
  @ApiProperty({ type: [String], enum: API_KEY_SCOPES }) scopes: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accountId: string | null;
  @ApiProperty({ type: String, nullable: true }) accountName: string | null;
  @ApiProperty({ type: String, enum: AccountRole, nullable: true }) roleCap: string | null;
  @ApiProperty({ format: 'uuid', description: 'The user the key acts for' }) userId: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: "Account lists only: the key's user" }) userEmail?: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never expires' }) expiresAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'To the minute' }) lastUsedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) lastUsedIp: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status: 'active' | 'expired' | 'revoked';
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) items: ApiKeyDto[];
}

export class IssuedApiKeyDto {
  @ApiProperty({ type: ApiKeyDto }) key: ApiKeyDto;
  @ApiProperty({ example: 'lk_pat_…', description: 'The secret: shown in this answer only, never again. Send it as Authorization: Bearer' })
  secret: string;
}
