import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

import { FACTOR_KINDS, answerOf, signInMethodNames } from '../factors/factor-registry';

/** From the registered kinds (FACTOR_KINDS), so a new kind needs no edit here. */
const SIGN_IN_METHOD_NAMES = signInMethodNames();
const FACTOR_KIND_NAMES = FACTOR_KINDS.map((k) => k.kind);

const CODE = /^[A-Za-z0-9-]{6,20}$/;
const CODE_MESSAGE = 'code must be a 6-digit code or a backup code';

export class ConfirmCodeDto {
  @ApiProperty({ description: 'The 6-digit code', example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;
}

/** Reauth for removing factors: the current password and a current code are both required. */
export class ReauthProofDto {
  @ApiPropertyOptional({ description: 'Your current password' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;

  @ApiPropertyOptional({ description: 'A current TOTP code or a backup code' })
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: CODE_MESSAGE })
  code?: string;
}

export class SmsSetupDto extends ReauthProofDto {
  @ApiProperty({ description: 'Phone number in E.164', example: '+14155550123' })
  @IsString()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be an E.164 number like +14155550123' })
  phone: string;
}

export class LoginMfaDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'challengeId must be a UUID' })
  challengeId: string;

  @ApiProperty({ enum: SIGN_IN_METHOD_NAMES })
  @IsIn(SIGN_IN_METHOD_NAMES, { message: `method must be one of ${SIGN_IN_METHOD_NAMES.join(', ')}` })
  method: string;

  @ApiPropertyOptional({ description: 'The code (every method but passkey)' })
  @ValidateIf((o: LoginMfaDto) => answerOf(o.method) === 'code')
  @IsString()
  @Matches(CODE, { message: CODE_MESSAGE })
  code?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'passkey: the challengeId of POST /auth/login/mfa/passkey/options' })
  @ValidateIf((o: LoginMfaDto) => answerOf(o.method) === 'credential')
  @IsUUID('all', { message: 'passkeyChallengeId must be a UUID' })
  passkeyChallengeId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'passkey: the PublicKeyCredential as JSON, e.g. from @simplewebauthn/browser startAuthentication()',
  })
  @ValidateIf((o: LoginMfaDto) => answerOf(o.method) === 'credential')
  @IsObject({ message: 'credential must be an object' })
  credential?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Skip the second step on this device for 30 days' })
  @IsOptional()
  @IsBoolean()
  trustDevice?: boolean;
}

export class ChallengeRefDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'challengeId must be a UUID' })
  challengeId: string;
}

export class ResetTokenDto {
  @ApiProperty({ description: 'The token of the emailed reset link' })
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  token: string;
}

export class TotpSetupResponseDto {
  @ApiProperty({ description: 'Base32 secret, shown once for manual entry' }) secret: string;
  @ApiProperty({ example: 'otpauth://totp/Latchkey:me%40example.com?secret=...&issuer=Latchkey' }) otpauthUri: string;
  @ApiProperty({ description: 'PNG data URL of the otpauth URI' }) qrCode: string;
  @ApiProperty({ description: 'The name the authenticator will have once confirmed', example: 'Authenticator app' }) name: string;
}

/** A factor's name: what the user calls an authenticator app or a passkey. */
export class FactorNameDto {
  @ApiProperty({ description: 'A name to tell your factors apart', example: 'Phone (Aegis)', minLength: 1, maxLength: 64 })
  @IsString()
  @Matches(/\S/, { message: 'name must not be empty' })
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  @Matches(/^[^\p{Cc}]*$/u, { message: 'name must not contain control characters' })
  name: string;
}

export class AddAuthenticatorDto extends ReauthProofDto {
  @ApiProperty({ description: 'A name to tell your authenticator apps apart', example: 'Phone (Aegis)', minLength: 1, maxLength: 64 })
  @IsString()
  @Matches(/\S/, { message: 'name must not be empty' })
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  @Matches(/^[^\p{Cc}]*$/u, { message: 'name must not contain control characters' })
  name: string;
}

/** One confirmed factor of any kind. */
export class FactorDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: FACTOR_KIND_NAMES }) kind: string;
  @ApiProperty({ nullable: true, type: String, description: 'Its name; a phone is shown masked' }) name: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'Last sign-in with it (authenticator apps, passkeys)' }) lastUsedAt:
    string | null;
}

export class FactorEnabledDto {
  @ApiProperty({ enum: ['enabled'] }) status: string;
  @ApiProperty({ enum: FACTOR_KIND_NAMES }) method: string;
  @ApiPropertyOptional({ type: [String], description: 'With the first factor: ten one-time backup codes, shown only now' })
  backupCodes?: string[];
}

export class BackupCodesDto {
  @ApiProperty({ type: [String], description: 'Ten one-time codes, shown only now; the old ones no longer work' })
  backupCodes: string[];
}

export class SmsSentDto {
  @ApiProperty({ enum: ['sent'] }) status: string;
  @ApiProperty({ description: 'The number the code went to, masked' }) phone: string;
  @ApiProperty() expiresAt: string;
}

export class MfaStatusDto {
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'An authenticator app is set up' }) totp: boolean;
  @ApiProperty({ description: 'How many authenticator apps are set up' }) authenticators: number;
  @ApiProperty({ nullable: true, type: String, description: 'Masked phone of the SMS factor' }) sms: string | null;
  @ApiProperty({ description: 'How many passkeys are registered' }) passkeys: number;
  @ApiProperty() backupCodesRemaining: number;
  @ApiProperty({ type: [String], description: 'Accounts you belong to that require 2FA' }) requiredBy: string[];
  @ApiProperty({ type: [String], enum: SIGN_IN_METHOD_NAMES, description: 'What a sign-in can ask for' }) methods: string[];
}

export class TrustedDeviceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) browser: string | null;
  @ApiProperty({ nullable: true, type: String }) os: string | null;
  @ApiProperty({ nullable: true, type: String }) deviceType: string | null;
  @ApiProperty({ nullable: true, type: String }) location: string | null;
}

export class MfaStatusMessageDto {
  @ApiProperty() status: string;
  @ApiPropertyOptional() detail?: string;
}
