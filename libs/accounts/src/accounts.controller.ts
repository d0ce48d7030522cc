import { ApiKeyAccess, ApiProblem, ApiProblems, CurrentUser, PageQueryDto, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { AcceptedDto } from '@latchkey/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AccountAuditService } from './account-audit.service';
import { AccountRole } from './account-role';
import { AccountsService } from './accounts.service';
import { AccountRoles } from './decorators/account-roles.decorator';
import { CurrentMembership } from './decorators/current-membership.decorator';
import {
  AccountDto,
  AuditPageDto,
  AuditQueryDto,
  ChangeRoleDto,
  CreateAccountDto,
  CreateInvitationDto,
  DeleteAccountDto,
  InvitationDto,
  InvitationPageDto,
  MemberDto,
  MemberPageDto,
  MembersQueryDto,
  TransferOwnershipDto,
  UpdateAccountDto,
} from './dto/accounts.dto';
import { ActiveMembership } from './guards/account-role.guard';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';

@ApiTags('accounts')
@ApiKeyAccess()
@Controller('accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly members: MembersService,
    private readonly invitations: InvitationsService,
    private readonly auditLog: AccountAuditService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an account; you become its owner' })
  @ApiCreatedResponse({ type: AccountDto })
  create(@CurrentUser() p: UserPrincipal, @Body() body: CreateAccountDto): Promise<AccountDto> {
    return this.accounts.create(p, body.name);
  }

  @Get(':accountId')
  @AccountRoles(AccountRole.Viewer)
  @ApiOperation({ summary: 'The account; ipAllowlist for admins and owners' })
  @ApiOkResponse({ type: AccountDto })
  get(@CurrentMembership() ms: ActiveMembership): Promise<AccountDto> {
    return this.accounts.get(ms);
  }

  @Patch(':accountId')
  // The IP allow-list and require-2FA guard the account, keys included: changing them takes a person.
  @SessionOnly()
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: 'Name, require2fa, ipAllowlist; with require2fa the answer counts members not yet compliant' })
  @ApiOkResponse({ type: AccountDto })
  update(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Body() body: UpdateAccountDto,
    @Req() req: FastifyRequest,
  ): Promise<AccountDto> {
    return this.accounts.update(p, ms, body, req.ip);
  }

  @Delete(':accountId')
  @SessionOnly()
  @AccountRoles(AccountRole.Owner)
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the account (reauth)' })
  @ApiNoContentResponse()
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  async remove(@CurrentUser() p: UserPrincipal, @CurrentMembership() ms: ActiveMembership, @Body() body: DeleteAccountDto): Promise<void> {
    await this.accounts.remove(p, ms, body ?? {});
  }

  @Get(':accountId/members')
  @AccountRoles(AccountRole.Viewer)
  @ApiOperation({
    summary: 'Members with role; 2FA status and last sign-in for admins and owners. Cursor or react-admin paging.',
    description:
      'With `limit`/`cursor` (or no paging parameter) the answer is a cursor page `{items, nextCursor}`. With react-admin ' +
      "paging (ra-data-simple-rest's `range`, or `_start`/`_end`) it is a bare array of members with the total in " +
      '`Content-Range: members <first>-<last>/<total>` and `X-Total-Count`, as that data provider expects.',
  })
  @ApiExtraModels(MemberPageDto, MemberDto)
  @ApiOkResponse({
    description: 'A cursor page, or (react-admin paging) a bare array with Content-Range and X-Total-Count',
    schema: { oneOf: [{ $ref: getSchemaPath(MemberPageDto) }, { type: 'array', items: { $ref: getSchemaPath(MemberDto) } }] },
    headers: {
      'Content-Range': {
        description: 'React-admin paging only: members <first>-<last>/<total>',
        schema: { type: 'string', example: 'members 0-24/57' },
      },
      'X-Total-Count': { description: 'React-admin paging only: how many members match', schema: { type: 'integer', minimum: 0 } },
    },
  })
  @ApiProblem(403, 'Filtering or sorting by 2FA status or sign-ins needs the admin role')
  async listMembers(
    @CurrentMembership() ms: ActiveMembership,
    @Query() q: MembersQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MemberPageDto | MemberDto[]> {
    const result = await this.members.list(ms, this.members.parseQuery(q));
    if (result.kind === 'page') {
      return { items: result.items, nextCursor: result.nextCursor };
    }
    // react-admin data providers read the total from these headers and expect a bare array.
    const end = result.items.length ? result.start + result.items.length - 1 : result.start;
    void reply.header('Content-Range', `members ${result.start}-${end}/${result.total}`);
    void reply.header('X-Total-Count', String(result.total));
    return result.items;
  }

  @Get(':accountId/members.csv')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: 'Streamed CSV of the members report' })
  @ApiOkResponse({
    description: 'One header line, then one line per member (attachment members.csv)',
    content: { 'text/csv': { schema: { type: 'string', example: 'email,displayName,role,joinedAt,...' } } },
  })
  exportMembers(@CurrentMembership() ms: ActiveMembership): StreamableFile {
    return new StreamableFile(this.members.csv(ms.accountId), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="members.csv"',
    });
  }

  @Patch(':accountId/members/:userId')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: 'Change a role (only an owner touches owners or grants owner; the last owner stays)' })
  @ApiOkResponse({ type: MemberDto })
  @ApiProblem(403, 'Only an owner changes owners or grants owner')
  @ApiProblem(404, 'No such member in this account')
  @ApiProblem(409, 'The last owner cannot be demoted')
  changeRole(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Param('userId', new UuidPipe('userId')) userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberDto> {
    return this.members.changeRole(p, ms, userId, body.role);
  }

  @Delete(':accountId/members/:userId')
  @AccountRoles(AccountRole.Admin)
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (only an owner removes owners; the last owner cannot leave)' })
  @ApiNoContentResponse()
  @ApiProblem(403, 'Only an owner removes owners')
  @ApiProblem(404, 'No such member in this account')
  @ApiProblem(409, 'The last owner cannot leave')
  async removeMember(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Param('userId', new UuidPipe('userId')) userId: string,
  ): Promise<void> {
    await this.members.remove(p, ms, userId);
  }

  @Post(':accountId/members/:userId/password-reset')
  @SessionOnly()
  @AccountRoles(AccountRole.Admin)
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Email the member a password-reset link, the same mail as "forgot password" (only an owner for an owner); 3 an hour per member',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(400, 401, 403, 404, 429)
  async sendPasswordReset(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Param('userId', new UuidPipe('userId')) userId: string,
  ): Promise<AcceptedDto> {
    await this.members.sendPasswordReset(p, ms, userId);
    return { status: 'accepted', detail: 'A password-reset link is on its way to the member. It works for 1 hour.' };
  }

  @Post(':accountId/transfer-ownership')
  @SessionOnly()
  @AccountRoles(AccountRole.Owner)
  @HttpCode(204)
  @ApiOperation({ summary: 'Make a member owner; you become admin (reauth)' })
  @ApiNoContentResponse()
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  async transfer(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Body() body: TransferOwnershipDto,
  ): Promise<void> {
    await this.members.transferOwnership(p, ms, body.userId.toLowerCase(), body);
  }

  @Get(':accountId/audit-log')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: "The account's audit log, newest first, naming actor and subject; filter by action, actor and time" })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiProblems(400, 401, 403, 404)
  audit(@CurrentMembership() ms: ActiveMembership, @Query() q: AuditQueryDto): Promise<AuditPageDto> {
    return this.auditLog.list(ms.accountId, q);
  }

  @Post(':accountId/invitations')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: 'Invite by email with a role (only an owner invites owners); valid 7 days' })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiProblem(403, 'Only an owner invites owners')
  @ApiProblem(409, 'That person is already a member')
  @ApiProblem(429, 'Too many invitations to this address, or from this network, this hour; Retry-After')
  invite(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Body() body: CreateInvitationDto,
    @Req() req: FastifyRequest,
  ): Promise<InvitationDto> {
    return this.invitations.invite(p, ms, body.email, body.role, req.ip);
  }

  @Get(':accountId/invitations')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: 'Invitations, newest first' })
  @ApiOkResponse({ type: InvitationPageDto })
  listInvitations(@CurrentMembership() ms: ActiveMembership, @Query() q: PageQueryDto): Promise<InvitationPageDto> {
    return this.invitations.list(ms.accountId, q.limit ?? 20, q.cursor);
  }

  @Delete(':accountId/invitations/:invitationId')
  @AccountRoles(AccountRole.Admin)
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an invitation' })
  @ApiNoContentResponse()
  @ApiProblem(403, 'Only an owner revokes owner invitations')
  @ApiProblem(404, 'No such invitation in this account')
  @ApiProblem(410, 'The invitation was already accepted')
  async revokeInvitation(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Param('invitationId', new UuidPipe('invitationId')) invitationId: string,
  ): Promise<void> {
    await this.invitations.revoke(p, ms, invitationId);
  }

  @Post(':accountId/invitations/:invitationId/resend')
  @AccountRoles(AccountRole.Admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a fresh link (the old one stops working) valid 7 more days' })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblem(403, 'Only an owner resends owner invitations')
  @ApiProblem(404, 'No such invitation in this account')
  @ApiProblem(410, 'The invitation was already accepted')
  @ApiProblem(429, 'Too many invitations to this address, or from this network, this hour; Retry-After')
  resendInvitation(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Param('invitationId', new UuidPipe('invitationId')) invitationId: string,
    @Req() req: FastifyRequest,
  ): Promise<InvitationDto> {
    return this.invitations.resend(p, ms, invitationId, req.ip);
  }
}
