import { UserDto } from '@latchkey/users';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ format: 'email' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password: string;

  @ApiPropertyOptional({ description: 'Trusted-device token from an earlier sign-in (or the lk_device cookie)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  deviceToken?: string;
}

export class SessionInfoDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Bearer token; also set as the lk_session cookie' }) token: string;
  @ApiProperty() expiresAt: string;
}

export class LoginResponseDto {
  @ApiProperty({ enum: ['authenticated', 'mfa_required', 'mfa_setup_required'] }) status: string;
  @ApiPropertyOptional({ type: SessionInfoDto }) session?: SessionInfoDto;
  @ApiPropertyOptional({ type: UserDto }) user?: UserDto;
  @ApiPropertyOptional({ description: 'Send as X-CSRF-Token on cookie-authenticated writes (also in the lk_csrf cookie)' })
  csrfToken?: string;
  @ApiPropertyOptional({ description: 'With mfa_required' }) challengeId?: string;
  @ApiPropertyOptional({ type: [String], description: 'With mfa_required: totp, sms, backup_code' }) methods?: string[];
  @ApiPropertyOptional({ description: 'With mfa_required: when the challenge ends' }) expiresAt?: string;
  @ApiPropertyOptional({ description: 'With trustDevice: the trusted-device token' }) deviceToken?: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ format: 'email' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;
}

export class ResetPasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  token: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  newPassword: string;

  @ApiPropertyOptional({ description: 'A TOTP, SMS or backup code, required when the user has two-factor authentication' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{6,20}$/, { message: 'code must be a 6-digit code or a backup code' })
  code?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(128)
  currentPassword: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  newPassword: string;
}

export class StatusDto {
  @ApiProperty() status: string;
  @ApiPropertyOptional() detail?: string;
}

export class LoginActivityDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ enum: ['success', 'mfa_required', 'mfa_setup_required', 'failure', 'locked', 'throttled', 'mfa_failed'] })
  outcome: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) browser: string | null;
  @ApiProperty({ nullable: true, type: String }) os: string | null;
  @ApiProperty({ nullable: true, type: String }) deviceType: string | null;
  @ApiProperty({ nullable: true, type: String }) location: string | null;
}

export class LoginActivityPageDto {
  @ApiProperty({ type: [LoginActivityDto] }) items: LoginActivityDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** Reauth: the current password, and a code when the user has 2FA (unless the session re-authenticated within 5 minutes). */
export class ReauthDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;

  @ApiPropertyOptional({ description: 'TOTP, SMS or backup code' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{6,20}$/, { message: 'code must be a 6-digit code or a backup code' })
  code?: string;
}
