import { MultiLine } from '@latchkey/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';

export class PreferencesDto {
  @ApiPropertyOptional({ enum: ['light', 'dark', 'system'] })
  @IsOptional()
  @IsIn(['light', 'dark', 'system'])
  theme?: 'light' | 'dark' | 'system';

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  compactMode?: boolean;

  @ApiPropertyOptional({ enum: ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'] })
  @IsOptional()
  @IsIn(['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'])
  dateFormat?: string;

  @ApiPropertyOptional({ enum: ['12h', '24h'] })
  @IsOptional()
  @IsIn(['12h', '24h'])
  timeFormat?: '12h' | '24h';
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiProperty() emailVerified: boolean;
  @ApiProperty() displayName: string;
  @ApiProperty({ nullable: true, type: String, example: '+14155550100' }) phone: string | null;
  @ApiProperty({ example: 'Europe/Paris' }) timezone: string;
  @ApiProperty({ example: 'en' }) language: string;
  @ApiProperty({ nullable: true, type: String }) company: string | null;
  @ApiProperty({ nullable: true, type: String }) bio: string | null;
  @ApiProperty({ type: PreferencesDto }) preferences: PreferencesDto;
  @ApiProperty({ nullable: true, type: String }) avatarUrl: string | null;
  @ApiProperty({ nullable: true, enum: ['support', 'support_lead'] }) staffRole: 'support' | 'support_lead' | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Set while the account waits out its deletion grace period (cancel with POST /me/deletion/cancel)',
  })
  deletionScheduledFor: string | null;
}

export const TIMEZONES = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);

export class UpdateProfileDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'E.164, for example +14155550100; null clears it' })
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be in E.164 form, for example +14155550100' })
  phone?: string | null;

  @ApiPropertyOptional({ description: 'IANA time zone, for example Europe/Paris' })
  @IsOptional()
  @IsString()
  @IsIn([...TIMEZONES], { message: 'timezone must be an IANA time zone such as Europe/Paris' })
  timezone?: string;

  @ApiPropertyOptional({ example: 'en', description: 'BCP 47 language tag' })
  @IsOptional()
  @Matches(/^[a-z]{2,3}(-[A-Z]{2})?$/, { message: 'language must be a language tag such as en or pt-BR' })
  language?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  company?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @MultiLine()
  bio?: string | null;

  @ApiPropertyOptional({ type: PreferencesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreferencesDto)
  preferences?: PreferencesDto;
}

export class RegisterDto {
  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  password: string;

  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName: string;
}

export class TokenDto {
  @ApiProperty({ description: 'The token from the emailed link' })
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  token: string;
}

export class ChangeEmailDto {
  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsEmail({}, { message: 'newEmail must be an email address' })
  @MaxLength(254)
  newEmail: string;

  @ApiProperty({ description: 'Your current password' })
  @IsString()
  @MaxLength(128)
  password: string;
}

/** Who someone is, for lists that name people (audit entries, ticket trails). */
export class UserRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiProperty() displayName: string;
}

export class PendingEmailDto {
  @ApiProperty({ format: 'email', description: 'The address waiting to be confirmed' }) newEmail: string;
  @ApiProperty() requestedAt: string;
  @ApiProperty({ description: 'When the confirmation link stops working' }) expiresAt: string;
}

export class PendingEmailStatusDto {
  @ApiProperty({ type: PendingEmailDto, nullable: true, description: 'null when no change is waiting' }) pending: PendingEmailDto | null;
}

export class AcceptedDto {
  @ApiProperty({ example: 'accepted' }) status: string;
  @ApiPropertyOptional() detail?: string;
}
