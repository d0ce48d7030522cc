import { ApiProblem, ApiServiceToken, CurrentUser, Principal, Public, UuidPipe } from '@latchkey/core';
import { ServiceTokenGuard } from '@latchkey/notifications';
import { Body, Controller, Get, Param, Put, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { UsersRepository } from '../users.repository';
import { usersError } from '../users.exception';
import { ConsentService } from './consent.service';
import {
  ConsentChangeListDto,
  ConsentFeedQueryDto,
  ConsentListQueryDto,
  ConsentRecordListDto,
  PrivacySettingsDto,
  UpdatePrivacySettingsDto,
  UserConsentDto,
} from './privacy.dto';

@ApiTags('privacy')
@Controller()
export class PrivacyController {
  constructor(
    private readonly consent: ConsentService,
    private readonly users: UsersRepository,
  ) {}

  @Get('me/privacy')
  @ApiOperation({ summary: 'Your privacy choices: analytics opt-out and marketing-mail consent' })
  @ApiOkResponse({ type: PrivacySettingsDto })
  get(@CurrentUser() p: Principal): Promise<PrivacySettingsDto> {
    return this.consent.settings(p.userId);
  }

  @Put('me/privacy')
  @ApiOperation({
    summary:
      'Change your privacy choices (either field, or both); each change is recorded with its source (console for the cookie session, api for a bearer token), IP and user agent',
  })
  @ApiOkResponse({ type: PrivacySettingsDto })
  put(@CurrentUser() p: Principal, @Body() body: UpdatePrivacySettingsDto): Promise<PrivacySettingsDto> {
    return this.consent.update(p.userId, body ?? {}, p.via === 'cookie' ? 'console' : 'api');
  }

  @Get('me/consents')
  @ApiOperation({ summary: 'The history of your privacy choices, newest first' })
  @ApiOkResponse({ type: ConsentRecordListDto })
  history(@CurrentUser() p: Principal, @Query() q: ConsentListQueryDto): Promise<ConsentRecordListDto> {
    return this.consent.history(p.userId, q.limit ?? 50, q.cursor);
  }

  @Get('users/:userId/consent')
  @Public()
  @ApiServiceToken()
  @UseGuards(ServiceTokenGuard)
  @ApiOperation({ summary: "Host application: a user's current privacy choices (Bearer SERVICE_TOKEN)" })
  @ApiOkResponse({ type: UserConsentDto })
  @ApiProblem(403, 'Host access is turned off: SERVICE_TOKEN is not set')
  @ApiProblem(404, 'No such user')
  async forHost(@Param('userId', new UuidPipe('userId')) userId: string): Promise<UserConsentDto> {
    if (!(await this.users.findById(userId))) {
      throw usersError('USER_NOT_FOUND', 'No such user.');
    }
    return { userId, ...(await this.consent.settings(userId)) };
  }

  @Get('consents/changes')
  @Public()
  @ApiServiceToken()
  @UseGuards(ServiceTokenGuard)
  @ApiOperation({
    summary:
      'Host application: the feed of consent changes, oldest first (Bearer SERVICE_TOKEN). Poll with `after` = the last nextCursor to see each change once',
  })
  @ApiOkResponse({ type: ConsentChangeListDto })
  @ApiProblem(403, 'Host access is turned off: SERVICE_TOKEN is not set')
  changes(@Query() q: ConsentFeedQueryDto): Promise<ConsentChangeListDto> {
    return this.consent.changesAfter(q.after, q.limit ?? 100);
  }
}
