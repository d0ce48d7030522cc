import { ApiProblem, ApiProblems, CurrentUser, UserPrincipal, Public, SessionOnly, UuidPipe } from '@latchkey/core';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { StaffOnly } from './decorators/staff-only.decorator';
import {
  ApproveTicketDto,
  ExecuteTicketDto,
  OpenTicketDto,
  ReasonDto,
  RecordChecksDto,
  TicketDetailDto,
  TicketLinkPreviewDto,
  TicketPageDto,
  TicketQueryDto,
  TicketReceivedDto,
  TicketTokenDto,
} from './dto/support.dto';
import { SupportTicketsService } from './support-tickets.service';

const RECEIVED: TicketReceivedDto = {
  status: 'received',
  message: 'If this address belongs to an account, we sent it a link: the request reaches our team once it is confirmed.',
};

@ApiTags('support')
@SessionOnly()
@Controller('support/tickets')
export class SupportController {
  constructor(private readonly tickets: SupportTicketsService) {}

  @Post()
  @Public()
  @HttpCode(202)
  @ApiOperation({ summary: 'Open a ticket (lost device, deletion, other); the same answer whether or not the email has a user' })
  @ApiAcceptedResponse({ type: TicketReceivedDto })
  @ApiProblem(429, 'Too many tickets from this network or for this address')
  async open(@Body() body: OpenTicketDto, @Req() req: FastifyRequest): Promise<TicketReceivedDto> {
    await this.tickets.open(body, req.ip);
    return RECEIVED;
  }

  @Post('confirm')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Confirm a ticket by the emailed link; it enters the queue' })
  @ApiNoContentResponse()
  @ApiProblem(409, 'The ticket is no longer waiting for confirmation')
  @ApiProblem(410, 'The link expired: open a new ticket')
  @ApiProblems(429)
  async confirm(@Body() body: TicketTokenDto, @Req() req: FastifyRequest): Promise<void> {
    await this.tickets.confirm(body.token, req.ip);
  }

  @Post('cancel/preview')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'What the emailed cancel link would stop (reference, type, state, when it runs); changes nothing' })
  @ApiOkResponse({ type: TicketLinkPreviewDto })
  @ApiProblems(400, 429)
  previewCancel(@Body() body: TicketTokenDto, @Req() req: FastifyRequest): Promise<TicketLinkPreviewDto> {
    return this.tickets.previewCancel(body.token, req.ip);
  }

  @Post('cancel')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a ticket by the emailed link alone (stops a pending reset); 409 once it has ended' })
  @ApiOkResponse({ type: TicketLinkPreviewDto })
  @ApiProblems(400, 409, 429)
  cancel(@Body() body: TicketTokenDto, @Req() req: FastifyRequest): Promise<TicketLinkPreviewDto> {
    return this.tickets.cancel(body.token, req.ip);
  }

  @Get()
  @StaffOnly('support')
  @ApiOperation({ summary: 'The queue (confirmed tickets only), newest first; q searches the reference, the id and the requester email' })
  @ApiOkResponse({ type: TicketPageDto })
  @ApiProblems(400, 401, 404)
  list(@Query() query: TicketQueryDto): Promise<TicketPageDto> {
    return this.tickets.list(query);
  }

  @Get(':id')
  @StaffOnly('support')
  @ApiOperation({ summary: 'A ticket with its checks and trail, naming the requester and every staff member who acted' })
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiProblem(404, 'The caller is not staff, or no such ticket in the queue')
  @ApiProblems(400)
  get(@Param('id', new UuidPipe('id')) id: string): Promise<TicketDetailDto> {
    return this.tickets.detail(id);
  }

  @Post(':id/verification')
  @StaffOnly('support')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record identity checks; enough distinct checks move the ticket to awaiting_approval' })
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiProblem(404, 'The caller is not staff, or no such ticket in the queue')
  @ApiProblem(409, 'The ticket is not waiting for identity checks')
  verify(
    @CurrentUser() p: UserPrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: RecordChecksDto,
  ): Promise<TicketDetailDto> {
    return this.tickets.recordChecks(p, id, body.checks);
  }

  @Post(':id/approve')
  @StaffOnly('support_lead')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Four eyes: a lead who recorded no check approves; the cool-down starts and the user is told. ' +
      'Needs a fresh sign-in (5 minutes) or the password and a current code in the body',
  })
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiProblem(
    403,
    'Needs a support lead who recorded no check on this ticket (four eyes); staff without 2FA; or REAUTH_REQUIRED: send password and code',
  )
  @ApiProblem(404, 'The caller is not staff, or no such ticket in the queue')
  @ApiProblem(409, 'The ticket is not awaiting approval')
  @ApiProblem(429, 'Too many wrong passwords (ACCOUNT_LOCKED) or 2FA codes (MFA_LOCKED)')
  approve(
    @CurrentUser() p: UserPrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: ApproveTicketDto,
  ): Promise<TicketDetailDto> {
    return this.tickets.approve(p, id, body.reason, body);
  }

  @Post(':id/reject')
  @StaffOnly('support_lead')
  @HttpCode(200)
  @ApiOperation({ summary: 'Four eyes: a lead who recorded no check rejects' })
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiProblem(403, 'Needs a support lead who recorded no check on this ticket (four eyes)')
  @ApiProblem(404, 'The caller is not staff, or no such ticket in the queue')
  @ApiProblem(409, 'The ticket is not awaiting approval')
  reject(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string, @Body() body: ReasonDto): Promise<TicketDetailDto> {
    return this.tickets.reject(p, id, body.reason);
  }

  @Post(':id/execute')
  @StaffOnly('support')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'After the cool-down: reset MFA and end every session (mfa_reset), or delete the user (account_deletion). ' +
      'Needs a fresh sign-in (5 minutes) or the password and a current code in the body',
  })
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiProblem(403, 'Staff without 2FA (STAFF_2FA_REQUIRED), or REAUTH_REQUIRED: send the password and a current code')
  @ApiProblem(404, 'The caller is not staff, or no such ticket in the queue')
  @ApiProblem(409, 'Not approved, the cool-down is not over, the user is gone, or the user is the sole owner of an account')
  @ApiProblem(429, 'Too many wrong passwords (ACCOUNT_LOCKED) or 2FA codes (MFA_LOCKED)')
  execute(
    @CurrentUser() p: UserPrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: ExecuteTicketDto,
  ): Promise<TicketDetailDto> {
    return this.tickets.execute(p, id, body ?? {});
  }
}
