import { UserDto } from '@latchkey/users';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const CODE = /^[A-Za-z0-9-]{6,20}$/;
const CODE_MESSAGE = 'code must be a 6-digit code or a backup code';

export class ProviderDto {
  @ApiProperty({ example: 'google', description: 'The route segment: google, microsoft, github or a configured OIDC provider' })
  id: string;
  @ApiProperty({ example: 'Google', description: 'What the "Continue with …" button says' })
  displayName: string;
}

export class ProviderListDto {
  @ApiProperty({ type: [ProviderDto], description: 'Configured providers only; empty when none is' })
  items: ProviderDto[];
}

export class StartProviderSignInDto {
  @ApiPropertyOptional({ enum: ['sign_in'], default: 'sign_in', description: 'Only sign_in here; linking starts under /me' })
  @IsOptional()
  @IsIn(['sign_in'])
  intent?: 'sign_in';
}

export class StartLinkDto {
  @ApiPropertyOptional({
    enum: ['link', 'reauth'],
    default: 'link',
    description:
      'link: connect this provider (reauth first: a sign-in within 5 minutes, or the password and a code). reauth: sign in at an already connected provider again to confirm it is you (for accounts without a password)',
  })
  @IsOptional()
  @IsIn(['link', 'reauth'])
  purpose?: 'link' | 'reauth';

  @ApiPropertyOptional({ description: 'Your current password (link, when the sign-in is not recent)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;

  @ApiPropertyOptional({
    description: 'A current TOTP code or a backup code, with the password when 2FA is on (alone when you have no password)',
  })
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: CODE_MESSAGE })
  code?: string;
}

export class AuthorizationUrlDto {
  @ApiProperty({ description: "Send the browser here (the provider's sign-in page); the flow cookie was set with this answer" })
  authorizationUrl: string;
}

export class LinkExistingDto {
  @ApiProperty({ description: 'The password of the existing account with the same verified email' })
  @IsString()
  @MaxLength(128)
  password: string;

  @ApiPropertyOptional({ description: 'A current TOTP, SMS or backup code, required when that account has two-factor authentication' })
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: CODE_MESSAGE })
  code?: string;

  @ApiPropertyOptional({ description: 'A trusted-device token (as for /auth/login)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  deviceToken?: string;
}

export class LinkByEmailSentDto {
  @ApiProperty({ enum: ['sent'] }) status: 'sent';
  @ApiProperty({ description: 'What to tell the person' }) detail: string;
}

export class ConfirmEmailLinkDto {
  @ApiProperty({ description: 'The token of the emailed link' })
  @IsString()
  @MaxLength(200)
  token: string;

  @ApiPropertyOptional({ description: 'A trusted-device token (as for /auth/login)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  deviceToken?: string;
}

export class ProviderResultSessionDto {
  @ApiProperty() id: string;
  @ApiProperty() token: string;
  @ApiProperty() expiresAt: string;
}

export class ProviderResultDto {
  @ApiProperty({
    enum: ['authenticated', 'mfa_required', 'mfa_setup_required', 'link_required', 'linked', 'reauthenticated'],
    description:
      'As /auth/login for a sign-in (authenticated, mfa_required, mfa_setup_required); link_required: an account with this verified email exists, prove it with POST /auth/providers/link-existing (password) or POST /auth/providers/link-by-email (emailed link); linked / reauthenticated: the My account flows',
  })
  status: string;
  @ApiPropertyOptional({ type: ProviderResultSessionDto }) session?: ProviderResultSessionDto;
  @ApiPropertyOptional({ type: UserDto }) user?: UserDto;
  @ApiPropertyOptional() csrfToken?: string;
  @ApiPropertyOptional({ description: 'With mfa_required' }) challengeId?: string;
  @ApiPropertyOptional({ type: [String], description: 'With mfa_required' }) methods?: string[];
  @ApiPropertyOptional({ description: 'With mfa_required: when the challenge ends' }) expiresAt?: string;
  @ApiPropertyOptional() deviceToken?: string;
  @ApiPropertyOptional({ description: 'The provider id (every status)' }) provider?: string;
  @ApiPropertyOptional({ description: 'With link_required: the verified email the provider gave' }) email?: string;
}

export class ConnectedAccountDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'github' }) provider: string;
  @ApiProperty({ example: 'GitHub' }) providerName: string;
  @ApiProperty({ nullable: true, type: String, description: "The provider's email for this identity" }) email: string | null;
  @ApiProperty({ format: 'date-time' }) linkedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastUsedAt: string | null;
}

export class ConnectedAccountListDto {
  @ApiProperty({ type: [ConnectedAccountDto] }) items: ConnectedAccountDto[];
  @ApiProperty({ type: [ProviderDto], description: 'Configured providers not connected yet' }) available: ProviderDto[];
  @ApiProperty({ description: 'Whether the account has a password (without one, a provider or a passkey is the way in)' })
  hasPassword: boolean;
}

export class UnlinkDto {
  @ApiPropertyOptional({ description: 'Your current password, when the sign-in is not recent' })
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
