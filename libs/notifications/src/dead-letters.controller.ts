import { ApiProblem, CurrentUser, Principal, UuidPipe, coreError } from '@latchkey/core';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { DeadLetter, DeadLettersService } from './dead-letters.service';
import { ListQueryDto } from './dto/notifications.dto';
import { DeadLetterPageDto, ReplayedDto } from './dto/responses.dto';

/** Staff only; anyone else gets the same 404 as for a route that does not exist. */
function requireStaff(p: Principal): void {
  if (!p.staffRole) {
    throw coreError('NOT_FOUND', 'Not found.');
  }
}

@ApiTags('admin')
@Controller('admin/notifications/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries that failed past the retry limit (staff)' })
  @ApiOkResponse({ type: DeadLetterPageDto })
  @ApiProblem(404, 'The caller is not staff')
  list(@CurrentUser() p: Principal, @Query() q: ListQueryDto): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    requireStaff(p);
    return this.deadLetters.list(q.limit ?? 50, q.cursor);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Put a dead delivery back in the outbox (staff)' })
  @ApiAcceptedResponse({ type: ReplayedDto })
  @ApiProblem(404, 'The caller is not staff, or no such dead letter')
  replay(@CurrentUser() p: Principal, @Param('id', new UuidPipe('id')) id: string): Promise<{ id: string; status: 'pending' }> {
    requireStaff(p);
    return this.deadLetters.replay(id);
  }
}
