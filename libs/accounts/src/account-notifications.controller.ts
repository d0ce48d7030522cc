import { ApiProblem, CurrentUser, UserPrincipal } from '@latchkey/core';
import { AcceptedDto } from '@latchkey/users';
import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AccountNotificationsService } from './account-notifications.service';
import { AccountRole } from './account-role';
import { AccountRoles } from './decorators/account-roles.decorator';
import { CurrentMembership } from './decorators/current-membership.decorator';
import {
  AccountDefaultsDto,
  AccountDiscordDto,
  AccountNotificationChannelsDto,
  LinkAccountDiscordDto,
  PutAccountDefaultsDto,
} from './dto/notification-defaults.dto';
import { ActiveMembership } from './guards/account-role.guard';

/**
 * Account-level notification settings. Owners change them, as the issue asks: what every member
 * receives and where account alerts go are the owner's decisions (like the security webhooks).
 * Admins read them, so they can answer a member who asks why a channel is locked.
 */
@ApiTags('accounts')
@Controller('accounts')
export class AccountNotificationsController {
  constructor(private readonly service: AccountNotificationsService) {}

  @Get(':accountId/notification-defaults')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: "The members' notification defaults per event and channel, and which of them members may not change" })
  @ApiOkResponse({ type: AccountDefaultsDto })
  async getDefaults(@CurrentMembership() ms: ActiveMembership): Promise<AccountDefaultsDto> {
    return { items: await this.service.defaults(ms.accountId) };
  }

  @Put(':accountId/notification-defaults')
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({
    summary: "Replace the members' notification defaults (cells not listed follow the catalogue); applies to the next event",
    description:
      'Resolution for a member: an account lock, then their own choice, then the account default, then the catalogue. ' +
      'Security and transactional events always reach email: turning that off is refused.',
  })
  @ApiOkResponse({ type: AccountDefaultsDto })
  @ApiProblem(400, 'Unknown event or channel, a cell listed twice, or a mandatory email turned off (the field is named)')
  async putDefaults(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Body() body: PutAccountDefaultsDto,
  ): Promise<AccountDefaultsDto> {
    return { items: await this.service.replaceDefaults(p, ms, body.items) };
  }

  @Get(':accountId/notification-channels')
  @AccountRoles(AccountRole.Admin)
  @ApiOperation({ summary: "The account's channel for account alerts (Discord webhook, shown by its id only)" })
  @ApiOkResponse({ type: AccountNotificationChannelsDto })
  channels(@CurrentMembership() ms: ActiveMembership): Promise<AccountNotificationChannelsDto> {
    return this.service.channels(ms.accountId);
  }

  @Put(':accountId/notification-channels/discord')
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({
    summary:
      'Send account alerts (member joined, role changed, member removed, ownership, require 2FA) to a Discord webhook; stored encrypted',
  })
  @ApiOkResponse({ type: AccountDiscordDto })
  @ApiProblem(400, 'Not a Discord webhook URL (field url)')
  linkDiscord(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() ms: ActiveMembership,
    @Body() body: LinkAccountDiscordDto,
  ): Promise<AccountDiscordDto> {
    return this.service.linkDiscord(p, ms, body.url);
  }

  @Delete(':accountId/notification-channels/discord')
  @AccountRoles(AccountRole.Owner)
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop sending account alerts to Discord' })
  @ApiNoContentResponse({ description: 'Removed (or there was none)' })
  async unlinkDiscord(@CurrentUser() p: UserPrincipal, @CurrentMembership() ms: ActiveMembership): Promise<void> {
    await this.service.unlinkDiscord(p, ms);
  }

  @Post(':accountId/notification-channels/discord/test')
  @AccountRoles(AccountRole.Owner)
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a test alert to the Discord channel, through the outbox like a real one (5 an hour per account)' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblem(409, 'The account has no Discord channel')
  @ApiProblem(429, 'Too many test messages this hour')
  async test(@CurrentUser() p: UserPrincipal, @CurrentMembership() ms: ActiveMembership): Promise<AcceptedDto> {
    await this.service.sendTest(p, ms);
    return { status: 'accepted', detail: 'A test message is on its way to the Discord channel.' };
  }
}
