import { ApiProblem, ApiProblems, CurrentUser, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { AcceptedDto } from '@latchkey/users';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { StaffOnly } from './decorators/staff-only.decorator';
import { RevokedDto, StaffUserDetailDto, StaffUserPageDto, UserSearchQueryDto } from './dto/support.dto';
import { StaffUsersService } from './staff-users.service';

@ApiTags('admin')
@SessionOnly()
@Controller('admin/users')
@StaffOnly('support')
export class AdminUsersController {
  constructor(private readonly users: StaffUsersService) {}

  @Get()
  @ApiOperation({ summary: 'Search users by email or name' })
  @ApiOkResponse({ type: StaffUserPageDto })
  search(@Query() query: UserSearchQueryDto): Promise<StaffUserPageDto> {
    return this.users.search(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user: MFA status, sessions, memberships, recent sign-ins, tickets' })
  @ApiOkResponse({ type: StaffUserDetailDto })
  @ApiProblem(404, 'The caller is not staff, or no such user')
  get(@Param('id', new UuidPipe('id')) id: string): Promise<StaffUserDetailDto> {
    return this.users.detail(id);
  }

  @Post(':id/sessions/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'End every session of the user' })
  @ApiOkResponse({ type: RevokedDto })
  @ApiProblem(404, 'The caller is not staff, or no such user')
  async revoke(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<RevokedDto> {
    return { revoked: await this.users.revokeSessions(p, id) };
  }

  @Post(':id/password-reset')
  @HttpCode(202)
  @ApiOperation({ summary: 'Email the user a password-reset link, the same mail as "forgot password"; 3 an hour per user' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(400, 401, 403, 404, 429)
  async sendPasswordReset(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<AcceptedDto> {
    await this.users.sendPasswordReset(p, id);
    return { status: 'accepted', detail: 'A password-reset link is on its way to the user. It works for 1 hour.' };
  }
}
