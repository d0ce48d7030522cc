import { SignInAnswer } from '@latchkey/auth';
import {
  ApiKeyAccess,
  ApiOptionalSession,
  ApiProblem,
  ApiProblems,
  CurrentUser,
  UserPrincipal,
  Public,
  SessionOnly,
  describeClient,
} from '@latchkey/core';
import { TokenDto, UsersService } from '@latchkey/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AcceptInvitationUseCase } from './accept-invitation.use-case';
import { AccountDeletionService } from './account-deletion.service';
import { AccountsService } from './accounts.service';
import {
  AcceptInvitationDto,
  AcceptedInvitationDto,
  DeleteMeDto,
  DeletionScheduledDto,
  InvitationPreviewDto,
  MyAccountListDto,
} from './dto/accounts.dto';

@ApiTags('accounts')
@SessionOnly()
@Controller()
export class MeAccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly accept: AcceptInvitationUseCase,
    private readonly deletion: AccountDeletionService,
    private readonly users: UsersService,
    private readonly answer: SignInAnswer,
  ) {}

  @Get('me/accounts')
  @ApiKeyAccess()
  @ApiOperation({ summary: 'The accounts you belong to, with your role' })
  @ApiOkResponse({ type: MyAccountListDto })
  async mine(@CurrentUser() p: UserPrincipal): Promise<MyAccountListDto> {
    return { items: await this.accounts.listMine(p.userId), nextCursor: null };
  }

  @Delete('me')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Schedule the deletion of your user after the grace period (DELETION_GRACE_DAYS, default 14): always needs your password, and a current code when 2FA is on. ' +
      'Every session ends and a mail carries a cancel link; signing in during the grace period works and offers to cancel. ' +
      'Refused (409 SOLE_OWNER, with accountIds and accounts) while you are the sole owner of an account with other members; accounts where you are the only member go with you',
  })
  @ApiAcceptedResponse({ type: DeletionScheduledDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(409, 'You are the sole owner of an account with other members: transfer ownership first')
  @ApiProblems(400, 401)
  async deleteMe(@CurrentUser() p: UserPrincipal, @Body() body: DeleteMeDto): Promise<DeletionScheduledDto> {
    const scheduled = await this.deletion.schedule(p, body ?? {});
    this.users.forgetProfile(p.userId);
    return scheduled;
  }

  @Post('me/deletion/cancel')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel the scheduled deletion of your user (signed in during the grace period); audited and mailed' })
  @ApiNoContentResponse()
  @ApiProblem(409, 'Your user is not scheduled for deletion (DELETION_NOT_SCHEDULED)')
  @ApiProblems(401)
  async cancelDeletion(@CurrentUser() p: UserPrincipal): Promise<void> {
    await this.deletion.cancel(p);
    this.users.forgetProfile(p.userId);
  }

  @Public()
  @Post('deletion/cancel')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Cancel a scheduled deletion by the emailed link alone (token, single use, throttled per IP); audited and mailed',
  })
  @ApiNoContentResponse()
  @ApiProblem(410, 'The link was used, expired, or the deletion was already cancelled (DELETION_LINK_INVALID)')
  @ApiProblems(400, 429)
  async cancelDeletionByLink(@Body() body: TokenDto, @Req() req: FastifyRequest): Promise<void> {
    const userId = await this.deletion.cancelByToken(body.token, req.ip);
    this.users.forgetProfile(userId);
  }

  @Public()
  @Get('invitations/:token')
  @ApiOperation({
    summary: 'For the invitation page: account, inviter, role, invited address, expiry, and whether that address already has a user',
  })
  @ApiOkResponse({ type: InvitationPreviewDto })
  @ApiProblems(404, 410, 429)
  previewInvitation(@Param('token') token: string, @Req() req: FastifyRequest): Promise<InvitationPreviewDto> {
    return this.accept.preview(token, req.ip);
  }

  @Public()
  @ApiOptionalSession()
  @Post('invitations/:token/accept')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Join the account: with a session for the invited address, or as a new person choosing a password (signed in by the sign-in decision). ' +
      'An existing user without a session gets 401 SIGN_IN_REQUIRED: sign in, then accept with the session.',
  })
  @ApiOkResponse({ type: AcceptedInvitationDto })
  @ApiProblem(401, 'The invited address has a user: sign in (SIGN_IN_REQUIRED), then accept with the session')
  @ApiProblem(403, 'The invitation was sent to another address, or the session must set up 2FA first')
  @ApiProblem(404, 'No such invitation')
  @ApiProblem(409, 'Already a member of this account')
  @ApiProblem(410, 'The invitation expired or was already used')
  @ApiProblems(429)
  async acceptInvitation(
    @Param('token') token: string,
    @Body() body: AcceptInvitationDto,
    @Req() req: FastifyRequest & { principal?: UserPrincipal },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedInvitationDto> {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const result = await this.accept.execute(token, body ?? {}, client, req.principal);
    const base = { accountId: result.accountId, role: result.role, userId: result.user.id, created: result.created };
    const signedIn = result.signIn;
    if (!signedIn || signedIn.status === 'mfa_required') {
      return base;
    }
    return { ...base, ...this.answer.respond(signedIn, reply) };
  }
}
