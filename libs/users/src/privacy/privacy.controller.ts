import { ApiProblem, CurrentUser, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { ServiceApi } from '@latchkey/service-access';
import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
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
@SessionOnly()
@Controller()
export class PrivacyController {
  constructor(
    private readonly consent: ConsentService,
    private readonly users: UsersRepository,
  ) {}

  @Get('me/privacy')
  @ApiOperation({ summary: 'Your privacy choices: analytics opt-out and marketing-mail consent' })
  @ApiOkResponse({ type: PrivacySettingsDto })
  get(@CurrentUser() p: UserPrincipal): Promise<PrivacySettingsDto> {
    return this.consent.settings(p.userId);
  }

  @Put('me/privacy')
  @ApiOperation({
    summary:
      'Change your privacy choices (either field, or both); each change is recorded with its source (console for the cookie session, api for a bearer token), IP and user agent',
  })
  @ApiOkResponse({ type: PrivacySettingsDto })
  put(@CurrentUser() p: UserPrincipal, @Body() body: UpdatePrivacySettingsDto): Promise<PrivacySettingsDto> {
    return this.consent.update(p.userId, body ?? {}, p.via === 'cookie' ? 'console' : 'api');
  }

  @Get('me/consents')
  @ApiOperation({ summary: 'The history of your privacy choices, newest first' })
  @ApiOkResponse({ type: ConsentRecordListDto })
  history(@CurrentUser() p: UserPrincipal, @Query() q: ConsentListQueryDto): Promise<ConsentRecordListDto> {
    return this.consent.history(p.userId, q.limit ?? 50, q.cursor);
  }
}

/** The host application reads consent through the service API (scope consent:read). */
@ApiTags('service: consent')
@Controller('service')
export class ServiceConsentController {
  constructor(
    private readonly consent: ConsentService,
    private readonly users: UsersRepository,
  ) {}

  @Get('users/:userId/consent')
  @ServiceApi('consent:read')
  @ApiOperation({ summary: "A user's current privacy choices (analytics opt-out, marketing-mail consent)" })
  @ApiOkResponse({ type: UserConsentDto })
  @ApiProblem(404, 'No such user')
  async forHost(@Param('userId', new UuidPipe('userId')) userId: string): Promise<UserConsentDto> {
    if (!(await this.users.findById(userId))) {
      throw usersError('USER_NOT_FOUND', 'No such user.');
    }
    return { userId, ...(await this.consent.settings(userId)) };
  }

  @Get('consents/changes')
  @ServiceApi('consent:read')
  @ApiOperation({
    summary: 'The feed of consent changes, oldest first. Poll with `after` = the last nextCursor to see each change once',
  })
  @ApiOkResponse({ type: ConsentChangeListDto })
  changes(@Query() q: ConsentFeedQueryDto): Promise<ConsentChangeListDto> {
    return this.consent.changesAfter(q.after, q.limit ?? 100);
  }
}
