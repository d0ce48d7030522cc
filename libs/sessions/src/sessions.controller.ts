import { ApiProblem, CurrentUser, UserPrincipal, SessionOnly, UuidPipe, sessionIdOf } from '@latchkey/core';
import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { RevokedDto, SessionListDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@SessionOnly()
@Controller('me/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: 'Your active sessions; the one making this request has current: true' })
  @ApiOkResponse({ type: SessionListDto })
  async list(@CurrentUser() p: UserPrincipal): Promise<SessionListDto> {
    return { items: await this.sessions.list(p.userId, sessionIdOf(p)) };
  }

  @Delete(':sessionId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out one session' })
  @ApiNoContentResponse()
  @ApiProblem(404, 'No such session of yours')
  async revoke(@CurrentUser() p: UserPrincipal, @Param('sessionId', new UuidPipe('sessionId')) sessionId: string): Promise<void> {
    await this.sessions.revoke(p.userId, sessionId);
  }

  @Post('revoke-others')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign out everywhere but here' })
  @ApiOkResponse({ type: RevokedDto })
  async revokeOthers(@CurrentUser() p: UserPrincipal): Promise<RevokedDto> {
    return { revoked: await this.sessions.revokeAll(p.userId, { exceptSessionId: sessionIdOf(p), reason: 'revoke_others' }) };
  }

  @Post('revoke-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign out everywhere, this session included' })
  @ApiOkResponse({ type: RevokedDto })
  async revokeAll(@CurrentUser() p: UserPrincipal): Promise<RevokedDto> {
    return { revoked: await this.sessions.revokeAll(p.userId, { reason: 'revoke_all' }) };
  }
}
