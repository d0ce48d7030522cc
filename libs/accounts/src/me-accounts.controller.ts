import { SessionCookies } from '@latchkey/auth';
import { ApiOptionalSession, ApiProblem, CurrentUser, Principal, Public } from '@latchkey/core';
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
  @ApiOperation({ summary: 'Delete your user (reauth); refused while you are the sole owner of an account with other members' })
  @ApiNoContentResponse()
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes: two-factor attempts are paused')
  @ApiProblem(409, 'You are the sole owner of an account with other members: transfer ownership first')
  async deleteMe(@CurrentUser() p: Principal, @Body() body: DeleteMeDto): Promise<void> {
    await this.accounts.deleteMe(p, body ?? {});
  }

  @Public()
  @ApiOptionalSession()
  @Post('invitations/:token/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Join the account: with a session, with your password, or as a new user setting a password' })
  @ApiOkResponse({ type: AcceptedInvitationDto })
  @ApiProblem(403, 'The invitation was sent to another address than the signed-in user')
  @ApiProblem(404, 'No such invitation')
  @ApiProblem(409, 'Already a member of this account')
  @ApiProblem(410, 'The invitation expired or was already used')
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
