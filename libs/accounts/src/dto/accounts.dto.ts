import { SessionInfoDto } from '@latchkey/auth';
import { PageQueryDto } from '@latchkey/core';
import { ReauthProofDto, SECOND_FACTOR_FILTERS } from '@latchkey/mfa';
import { UserDto, UserRefDto } from '@latchkey/users';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

import { AccountRole } from '../account-role';

export class CreateAccountDto {
  @ApiProperty({ example: 'Acme' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;
}

export class UpdateAccountDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ description: 'Members without a second factor must set one up' })
  @IsOptional()
  @IsBoolean()
  require2fa?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'IPv4/IPv6 CIDRs; empty allows every address', example: ['203.0.113.0/24'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  ipAllowlist?: string[];
}

export class DeleteAccountDto extends ReauthProofDto {}

export class AccountDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() require2fa: boolean;
  @ApiPropertyOptional({ type: [String], description: 'Admins and owners only' }) ipAllowlist?: string[];
  @ApiProperty({ enum: AccountRole, description: 'Your role here' }) role: AccountRole;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ description: 'With require2fa on: members without a second factor yet' }) nonCompliantMembers?: number;
}

export class MyAccountDto {
  @ApiProperty({ format: 'uuid' }) accountId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AccountRole }) role: AccountRole;
  @ApiProperty() require2fa: boolean;
  @ApiProperty() joinedAt: string;
}

export class MyAccountListDto {
  @ApiProperty({ type: [MyAccountDto] }) items: MyAccountDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

/** none, enabled, then every registered factor kind (from @latchkey/mfa's registry). */
export const MFA_FILTERS = SECOND_FACTOR_FILTERS as string[];
export type MfaFilter = string;
export const MEMBER_SORTS = ['joinedAt', 'email', 'displayName', 'role', 'lastSignInAt', 'mfa'] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

/**
 * Cursor paging (`limit`, `cursor`) answers `{items, nextCursor}`. The console uses
 * ra-data-simple-rest, which sends `range=[0,24]&sort=["email","ASC"]&filter={"role":"admin"}`;
 * `_start/_end/_sort/_order` (ra-data-json-server) is accepted too. Either switches to offset
 * paging and sets Content-Range and X-Total-Count.
 */
export class MembersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AccountRole })
  @IsOptional()
  @IsEnum(AccountRole)
  role?: AccountRole;

  @ApiPropertyOptional({ enum: MFA_FILTERS, description: 'admin and owner only' })
  @IsOptional()
  @IsIn(MFA_FILTERS)
  mfa?: MfaFilter;

  @ApiPropertyOptional({ description: `One of ${MEMBER_SORTS.join(', ')} (default joinedAt), or react-admin's ["field","ASC"]` })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  sort?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc', 'ASC', 'DESC'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc', 'ASC', 'DESC'])
  order?: string;

  @ApiPropertyOptional({ description: 'react-admin (json-server style)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  _start?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  _end?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIn([...MEMBER_SORTS, 'id', 'userId'])
  _sort?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['asc', 'desc', 'ASC', 'DESC'])
  _order?: string;

  @ApiPropertyOptional({ description: 'react-admin simple-rest: JSON [start, end]', example: '[0,24]' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  range?: string;

  @ApiPropertyOptional({ description: 'react-admin simple-rest: JSON object, e.g. {"role":"admin","mfa":"none"}' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  filter?: string;
}

export class MemberMfaDto {
  @ApiProperty() enabled: boolean;
  @ApiProperty() totp: boolean;
  @ApiProperty() sms: boolean;
  @ApiProperty({ description: 'How many passkeys are registered' }) passkeys: number;
  @ApiProperty() backupCodesRemaining: number;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid', description: 'The user id (react-admin record id)' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: AccountRole }) role: AccountRole;
  @ApiProperty() joinedAt: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'admin and owner only' }) lastSignInAt?: string | null;
  @ApiPropertyOptional({ type: MemberMfaDto, description: 'admin and owner only: totp, sms, backup codes left, or none' })
  mfa?: MemberMfaDto;
}

export class MemberPageDto {
  @ApiProperty({ type: [MemberDto] }) items: MemberDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: AccountRole })
  @IsEnum(AccountRole)
  role: AccountRole;
}

export class TransferOwnershipDto extends ReauthProofDto {
  @ApiProperty({ format: 'uuid', description: 'A member who becomes owner; you become admin' })
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId: string;
}

export class CreateInvitationDto {
  @ApiProperty({ example: 'new.person@example.com' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ enum: AccountRole })
  @IsEnum(AccountRole)
  role: AccountRole;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: AccountRole }) role: AccountRole;
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status: 'pending' | 'accepted' | 'revoked' | 'expired';
  @ApiProperty() createdAt: string;
  @ApiProperty() expiresAt: string;
}

export class InvitationPageDto {
  @ApiProperty({ type: [InvitationDto] }) items: InvitationDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class InvitationPreviewDto {
  @ApiProperty({ example: 'Acme Corp' }) accountName: string;
  @ApiProperty({ type: String, nullable: true, example: 'Sam Admin', description: 'Null when the inviter was deleted' })
  inviterName: string | null;
  @ApiProperty({ enum: AccountRole }) role: AccountRole;
  @ApiProperty({ description: 'The invited address' }) email: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ description: 'The address already has a user: sign in (second factor included), then accept with the session' })
  existingUser: boolean;
}

export class AcceptInvitationDto {
  @ApiPropertyOptional({
    description: 'New user only: the password to set. An existing user signs in first and accepts with the session; never a password here.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;

  @ApiPropertyOptional({ description: 'New user: the display name' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName?: string;
}

export class AcceptedInvitationDto {
  @ApiProperty({ format: 'uuid' }) accountId: string;
  @ApiProperty({ enum: AccountRole }) role: AccountRole;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ description: 'A new user was created' }) created: boolean;
  @ApiPropertyOptional({
    enum: ['authenticated', 'mfa_setup_required'],
    description: 'New user: the sign-in decision (mfa_setup_required when the account requires 2FA: a session restricted to enrolment)',
  })
  status?: string;
  @ApiPropertyOptional({ type: SessionInfoDto }) session?: SessionInfoDto;
  @ApiPropertyOptional() csrfToken?: string;
  @ApiPropertyOptional({ type: UserDto }) user?: UserDto;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'member.role_changed' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_.]{1,64}$/, { message: 'action must be an action name like member.role_changed' })
  action?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Actor user id' })
  @IsOptional()
  @IsUUID('all', { message: 'actor must be a UUID' })
  actor?: string;

  @ApiPropertyOptional({ description: 'ISO date-time, inclusive' })
  @IsOptional()
  @IsDateString({}, { message: 'from must be an ISO date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO date-time, exclusive' })
  @IsOptional()
  @IsDateString({}, { message: 'to must be an ISO date-time' })
  to?: string;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ example: 'member.role_changed', description: 'Stable code; the console turns it into a sentence' }) action: string;
  @ApiProperty({ type: String, nullable: true }) actorUserId: string | null;
  @ApiProperty({ enum: ['user', 'staff', 'system', 'service', 'anonymous'] }) actorKind: string;
  @ApiProperty({ type: UserRefDto, nullable: true, description: 'Who acted, while that user exists' }) actor: UserRefDto | null;
  @ApiProperty({ type: String, nullable: true }) subjectUserId: string | null;
  @ApiProperty({ type: UserRefDto, nullable: true, description: 'Who it was done to, while that user exists' }) subject: UserRefDto | null;
  @ApiProperty({ type: String, nullable: true, description: 'Once the actor was erased: `deleted-user-<hash>`, the same in every entry' })
  actorPseudonym: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Once the subject was erased: `deleted-user-<hash>`' })
  subjectPseudonym: string | null;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class DeleteMeDto extends ReauthProofDto {}

export class DeletionScheduledDto {
  @ApiProperty({ format: 'date-time', description: 'When the account is erased unless the deletion is cancelled' })
  deletionScheduledFor: string;
}
