import { ApiProblem, CurrentUser, Principal, SessionOnly, StaffGate, UuidPipe } from '@latchkey/core';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { DeadLetter, DeadLettersService } from './dead-letters.service';
import { ListQueryDto } from './dto/notifications.dto';
import { DeadLetterPageDto, ReplayedDto } from './dto/responses.dto';

@ApiTags('admin')
@SessionOnly()
@Controller('admin/notifications/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly deadLetters: DeadLettersService,
    private readonly staff: StaffGate,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries that failed past the retry limit (staff)' })
  @ApiOkResponse({ type: DeadLetterPageDto })
  @ApiProblem(404, 'The caller is not staff')
  @ApiProblem(403, 'Staff without two-factor authentication (STAFF_2FA_REQUIRED)')
  async list(@CurrentUser() p: Principal, @Query() q: ListQueryDto): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    await this.staff.assertStaff(p);
    return this.deadLetters.list(q.limit ?? 50, q.cursor);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Put a dead delivery back in the outbox (staff)' })
  @ApiAcceptedResponse({ type: ReplayedDto })
  @ApiProblem(404, 'The caller is not staff, or no such dead letter')
  @ApiProblem(403, 'Staff without two-factor authentication (STAFF_2FA_REQUIRED)')
  async replay(@CurrentUser() p: Principal, @Param('id', new UuidPipe('id')) id: string): Promise<{ id: string; status: 'pending' }> {
    await this.staff.assertStaff(p);
    return this.deadLetters.replay(id);
  }
}
