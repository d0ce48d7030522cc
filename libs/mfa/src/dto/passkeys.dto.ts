import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

import { ReauthProofDto } from './mfa.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class PasskeyNameDto {
  @ApiProperty({ description: 'A name to tell your passkeys apart', example: 'MacBook Touch ID', minLength: 1, maxLength: 64 })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  @Matches(/^[^\p{Cc}]*$/u, { message: 'name must not contain control characters' })
  name: string;
}

/** What the browser's navigator.credentials.create() / get() gave, as @simplewebauthn/browser encodes it. */
const CREDENTIAL_DESCRIPTION =
  'The PublicKeyCredential as JSON (id, rawId, type, response with base64url fields), e.g. from @simplewebauthn/browser';

export class RegisterPasskeyDto extends PasskeyNameDto {
  @ApiProperty({ format: 'uuid', description: 'From POST /me/mfa/passkeys/options; single use, 5 minutes' })
  @IsUUID('all', { message: 'challengeId must be a UUID' })
  challengeId: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: CREDENTIAL_DESCRIPTION })
  @IsObject({ message: 'credential must be an object' })
  credential: Record<string, unknown>;
}

export class PasskeyAssertionDto {
  @ApiProperty({ format: 'uuid', description: 'The challengeId of the passkey options; single use, 5 minutes' })
  @IsUUID('all', { message: 'challengeId must be a UUID' })
  challengeId: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: CREDENTIAL_DESCRIPTION })
  @IsObject({ message: 'credential must be an object' })
  credential: Record<string, unknown>;
}

export class PasskeyLoginDto extends PasskeyAssertionDto {
  @ApiPropertyOptional({ description: 'The trusted-device token (or the lk_device cookie)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  deviceToken?: string;
}

export class PasskeyOptionsRequestDto extends ReauthProofDto {}

export class PasskeyOptionsDto {
  @ApiProperty({ format: 'uuid', description: 'Send it back with the credential' }) challengeId: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON, for @simplewebauthn/browser',
  })
  options: Record<string, unknown>;
  @ApiProperty() expiresAt: string;
}

export class PasskeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ type: [String], description: 'How the browser reaches it: internal, hybrid, usb, nfc, ble' }) transports: string[];
  @ApiProperty({ description: 'Synced to the provider (iCloud Keychain, Google Password Manager, ...)' }) backedUp: boolean;
}

export class PasskeyRegisteredDto {
  @ApiProperty({ enum: ['enabled'] }) status: string;
  @ApiProperty({ enum: ['passkey'] }) method: string;
  @ApiProperty({ type: PasskeyDto }) passkey: PasskeyDto;
  @ApiPropertyOptional({ type: [String], description: 'With the first factor: ten one-time backup codes, shown only now' })
  backupCodes?: string[];
}
