import { SessionCookies } from '@latchkey/auth';
import { ApiProblems, CurrentUser, Principal, Public, describeClient } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AcceptInvitationUseCase } from './accept-invitation.use-case';
import { AccountsService } from './accounts.service';
import { AcceptInvitationDto, AcceptedInvitationDto, DeleteMeDto, InvitationPreviewDto, MyAccountListDto } from './dto/accounts.dto';

@ApiTags('accounts')
@Controller()
export class MeAccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly accept: AcceptInvitationUseCase,
    private readonly users: UsersService,
    private readonly cookies: SessionCookies,
  ) {}

  @Get('me/accounts')
  @ApiOperation({ summary: 'The accounts you belong to, with your role' })
  @ApiOkResponse({ type: MyAccountListDto })
  async mine(@CurrentUser() p: Principal): Promise<MyAccountListDto> {
    return { items: await this.accounts.listMine(p.userId), nextCursor: null };
  }

  @Delete('me')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete your user (reauth); refused while you are the sole owner of an account with other members' })
  @ApiNoContentResponse()
  async deleteMe(@CurrentUser() p: Principal, @Body() body: DeleteMeDto): Promise<void> {
    await this.accounts.deleteMe(p, body ?? {});
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
  @Post('invitations/:token/accept')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Join the account: with a session for the invited address, or as a new person choosing a password (signed in by the sign-in decision). ' +
      'An existing user without a session gets 401 SIGN_IN_REQUIRED: sign in, then accept with the session.',
  })
  @ApiOkResponse({ type: AcceptedInvitationDto })
  @ApiProblems(400, 401, 403, 404, 409, 410, 429)
  async acceptInvitation(
    @Param('token') token: string,
    @Body() body: AcceptInvitationDto,
    @Req() req: FastifyRequest & { principal?: Principal },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedInvitationDto> {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const result = await this.accept.execute(token, body ?? {}, client, req.principal);
    const base = { accountId: result.accountId, role: result.role, userId: result.user.id, created: result.created };
    const signedIn = result.signIn;
    if (!signedIn || signedIn.status === 'mfa_required') {
      return base;
    }
    this.cookies.set(reply, signedIn.token, signedIn.csrfToken, signedIn.expiresAt);
    return {
      ...base,
      status: signedIn.status,
      session: { id: signedIn.sessionId, token: signedIn.token, expiresAt: signedIn.expiresAt.toISOString() },
      csrfToken: signedIn.csrfToken,
      user: this.users.toDto(signedIn.user),
    };
  }
}
