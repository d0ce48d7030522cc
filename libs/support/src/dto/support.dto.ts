import { MultiLine, PageQueryDto } from '@latchkey/core';
import { LoginActivityDto } from '@latchkey/auth';
import { MfaStatusDto, ReauthProofDto } from '@latchkey/mfa';
import { SessionDto } from '@latchkey/sessions';
import { UserRefDto } from '@latchkey/users';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

import { AGENT_CHECK_KINDS, CheckKind, CHECK_KINDS, TICKET_TYPES, TicketType } from '../entities';
import { TICKET_STATES, TicketState } from '../ticket-state';

export class OpenTicketDto {
  @ApiProperty({ enum: TICKET_TYPES })
  @IsIn(TICKET_TYPES)
  type: TicketType;

  @ApiProperty({ example: 'robin@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'I lost my phone and my backup codes.' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  @MultiLine()
  message: string;
}

export class TicketReceivedDto {
  @ApiProperty({ example: 'received' }) status: 'received';
  @ApiProperty() message: string;
}

/** What the holder of a ticket's emailed link may see: enough to know what they confirm or cancel. */
export class TicketLinkPreviewDto {
  @ApiProperty({ example: 'SUP-000042', description: 'The full ticket reference, as mails show it and staff search it' }) reference: string;
  @ApiProperty({ enum: TICKET_TYPES }) type: TicketType;
  @ApiProperty({ enum: TICKET_STATES }) state: TicketState;
  @ApiProperty({ nullable: true, type: String, description: 'An approved reset runs at this time unless cancelled' })
  executeAfter: string | null;
}

export class TicketTokenDto {
  @ApiProperty({ description: 'The token from the emailed link' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  token: string;
}

/** States a confirmed ticket can be in: the only ones the desk ever sees. */
export const QUEUE_STATES = TICKET_STATES.filter((s) => s !== 'awaiting_email_confirmation' && s !== 'expired');

export class TicketQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: QUEUE_STATES })
  @IsOptional()
  @IsIn(QUEUE_STATES)
  state?: TicketState;

  @ApiPropertyOptional({ enum: TICKET_TYPES })
  @IsOptional()
  @IsIn(TICKET_TYPES)
  type?: TicketType;

  @ApiPropertyOptional({
    description: 'Search: the full ticket reference as mailed (or the ticket id), or the requester email (whole or part)',
    example: 'robin@example.com',
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  q?: string;
}

export class CheckInputDto {
  @ApiProperty({ enum: AGENT_CHECK_KINDS })
  @IsIn(AGENT_CHECK_KINDS)
  kind: CheckKind;

  @ApiProperty({ example: 'Last three sign-ins (city, browser) matched what the caller described.' })
  @IsString()
  @MinLength(3)
  @MaxLength(2000)
  @MultiLine()
  note: string;
}

export class RecordChecksDto {
  @ApiProperty({ type: [CheckInputDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => CheckInputDto)
  checks: CheckInputDto[];
}

export class ReasonDto {
  @ApiProperty({ example: 'Checks are consistent; government ID matched.' })
  @IsString()
  @MinLength(3)
  @MaxLength(2000)
  @MultiLine()
  reason: string;
}

/** Approve: the reason, and proof it is still the lead (password and code) unless the session is fresh. */
export class ApproveTicketDto extends IntersectionType(ReasonDto, ReauthProofDto) {}

/** Execute: proof it is still the agent (password and code) unless the session is fresh. */
export class ExecuteTicketDto extends ReauthProofDto {}

export class TicketCheckDto {
  @ApiProperty({ enum: CHECK_KINDS }) kind: CheckKind;
  @ApiProperty() note: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) agentId: string | null;
  @ApiProperty({ nullable: true, type: UserRefDto, description: 'The agent who recorded it (null for the emailed-link check)' })
  agent: UserRefDto | null;
  @ApiProperty() createdAt: string;
}

export class TicketEventDto {
  @ApiProperty({ nullable: true, enum: TICKET_STATES }) fromState: TicketState | null;
  @ApiProperty({ enum: TICKET_STATES }) toState: TicketState;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) actorId: string | null;
  @ApiProperty({ nullable: true, type: UserRefDto, description: 'Who made the change, while that user exists' }) actor: UserRefDto | null;
  @ApiProperty() actorKind: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty() at: string;
}

export class TicketDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'SUP-000042', description: 'Full, unique reference shown in mails; staff search by it' }) reference: string;
  @ApiProperty({ enum: TICKET_TYPES }) type: TicketType;
  @ApiProperty({ enum: TICKET_STATES }) state: TicketState;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) userId: string | null;
  @ApiProperty() message: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) verifierId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) approverId: string | null;
  @ApiProperty({ nullable: true, type: String }) approvedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) executeAfter: string | null;
  @ApiProperty({ nullable: true, type: String }) executedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class TicketDetailDto extends TicketDto {
  @ApiProperty({ nullable: true, type: UserRefDto, description: 'The requester, while the user exists' }) requester: UserRefDto | null;
  @ApiProperty({ nullable: true, type: UserRefDto, description: 'The agent who started the verification' }) verifier: UserRefDto | null;
  @ApiProperty({ nullable: true, type: UserRefDto, description: 'The lead who approved or rejected' }) approver: UserRefDto | null;
  @ApiProperty({ type: [TicketCheckDto] }) checks: TicketCheckDto[];
  @ApiProperty({ description: 'Distinct checks still needed before approval' }) checksMissing: number;
  @ApiProperty({ type: [TicketEventDto] }) events: TicketEventDto[];
}

export class TicketPageDto {
  @ApiProperty({ type: [TicketDto] }) items: TicketDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class UserSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email address or a name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class StaffUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ nullable: true, type: String }) staffRole: string | null;
  @ApiProperty() emailVerified: boolean;
  @ApiProperty() createdAt: string;
}

export class StaffUserPageDto {
  @ApiProperty({ type: [StaffUserDto] }) items: StaffUserDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class StaffMembershipDto {
  @ApiProperty({ format: 'uuid' }) accountId: string;
  @ApiProperty() name: string;
  @ApiProperty() role: string;
  @ApiProperty() require2fa: boolean;
}

export class StaffApiKeyCountsDto {
  @ApiProperty({ description: 'Keys that work now (neither revoked nor expired)' }) active: number;
  @ApiProperty({ description: 'Every key the user ever created and still on record' }) total: number;
}

export class StaffUserDetailDto extends StaffUserDto {
  @ApiProperty({ type: StaffApiKeyCountsDto, description: "The user's API keys, counted (staff never see the keys)" })
  apiKeys: StaffApiKeyCountsDto;
  @ApiProperty({ type: MfaStatusDto }) mfa: MfaStatusDto;
  @ApiProperty({ type: [SessionDto] }) sessions: SessionDto[];
  @ApiProperty({ type: [StaffMembershipDto] }) memberships: StaffMembershipDto[];
  @ApiProperty({ type: [LoginActivityDto] }) recentLogins: LoginActivityDto[];
  @ApiProperty({ type: [TicketDto] }) tickets: TicketDto[];
}

export class RevokedDto {
  @ApiProperty() revoked: number;
}
