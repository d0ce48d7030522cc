import { SessionCookies } from '@latchkey/auth';
import { ApiProblems, CurrentUser, Principal, Public } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AcceptInvitationUseCase } from './accept-invitation.use-case';
import { AccountsService } from './accounts.service';
import { AcceptInvitationDto, AcceptedInvitationDto, DeleteMeDto, MyAccountListDto } from './dto/accounts.dto';

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
  @ApiOperation({
    summary:
      'Delete your user: always needs your password, and a current code when 2FA is on. Refused (409 SOLE_OWNER, with accountIds and accounts) while you are the sole owner of an account with other members; accounts where you are the only member go with you',
  })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 403, 409)
  async deleteMe(@CurrentUser() p: Principal, @Body() body: DeleteMeDto): Promise<void> {
    await this.accounts.deleteMe(p, body ?? {});
  }

  @Public()
  @Post('invitations/:token/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Join the account: with a session, with your password, or as a new user setting a password' })
  @ApiOkResponse({ type: AcceptedInvitationDto })
  async acceptInvitation(
    @Param('token') token: string,
    @Body() body: AcceptInvitationDto,
    @Req() req: FastifyRequest & { principal?: Principal },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedInvitationDto> {
    const result = await this.accept.execute(token, body ?? {}, req.principal);
    const base = { accountId: result.accountId, role: result.role, userId: result.user.id, created: result.created };
    if (!result.signIn) {
      return base;
    }
    const restricted = await this.accounts.needsSetup(result.user.id);
    const signedIn = await this.accept.issueSession(result.user, req.ip, req.headers['user-agent'], restricted);
    if (signedIn.status === 'mfa_required') {
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
