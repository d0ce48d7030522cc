import { ApiKeyAccess, ApiProblem, CurrentUser, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { LinkDiscordDto, ListQueryDto, UpdatePreferencesDto } from './dto/notifications.dto';
import { InboxPageDto, NotificationChannelsDto, PreferencesListDto, UnreadCountDto, WebhookLinkDto } from './dto/responses.dto';
import { InboxPage, InboxService } from './inbox.service';
import { EventPreferences, PreferencesService } from './preferences.service';
import { WebhookLink, WebhooksService } from './webhooks.service';

@ApiTags('notifications')
@SessionOnly()
@Controller('me')
export class MyNotificationsController {
  constructor(
    private readonly inbox: InboxService,
    private readonly preferences: PreferencesService,
    private readonly webhooks: WebhooksService,
  ) {}

  @Get('notifications')
  @ApiKeyAccess()
  @ApiOperation({ summary: 'In-app inbox, newest first, with the unread count' })
  @ApiOkResponse({ type: InboxPageDto })
  list(@CurrentUser() p: UserPrincipal, @Query() q: ListQueryDto): Promise<InboxPage> {
    return this.inbox.list(p.userId, q.limit ?? 20, q.cursor, q.unread === 'true');
  }

  @Post('notifications/read-all')
  @ApiKeyAccess()
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark every inbox entry read' })
  @ApiOkResponse({ type: UnreadCountDto })
  readAll(@CurrentUser() p: UserPrincipal): Promise<{ unreadCount: number }> {
    return this.inbox.markAllRead(p.userId);
  }

  @Post('notifications/:id/read')
  @ApiKeyAccess()
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one inbox entry read' })
  @ApiOkResponse({ type: UnreadCountDto })
  @ApiProblem(404, 'No such inbox entry of yours')
  read(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<{ unreadCount: number }> {
    return this.inbox.markRead(p.userId, id);
  }

  @Get('notification-preferences')
  @ApiOperation({ summary: 'Per event and channel: enabled, default, and locked (security events always reach email)' })
  @ApiOkResponse({ type: PreferencesListDto })
  async getPreferences(@CurrentUser() p: UserPrincipal): Promise<{ items: EventPreferences[] }> {
    return { items: await this.preferences.list(p.userId) };
  }

  @Put('notification-preferences')
  @ApiOperation({ summary: 'Change channels per event; applies to the next event' })
  @ApiOkResponse({ type: PreferencesListDto })
  async putPreferences(@CurrentUser() p: UserPrincipal, @Body() body: UpdatePreferencesDto): Promise<{ items: EventPreferences[] }> {
    return { items: await this.preferences.update(p.userId, body.items) };
  }

  @Get('notification-channels')
  @ApiOperation({ summary: 'Linked delivery channels (Discord webhook, shown by its id only)' })
  @ApiOkResponse({ type: NotificationChannelsDto })
  async channels(@CurrentUser() p: UserPrincipal): Promise<{ discord: WebhookLink | null }> {
    return { discord: await this.webhooks.get(p.userId) };
  }

  @Put('notification-channels/discord')
  @ApiOperation({ summary: 'Link a Discord webhook (https://discord.com/api/webhooks/...); stored encrypted' })
  @ApiOkResponse({ type: WebhookLinkDto })
  linkDiscord(@CurrentUser() p: UserPrincipal, @Body() body: LinkDiscordDto): Promise<WebhookLink> {
    return this.webhooks.link(p.userId, body.url);
  }

  @Delete('notification-channels/discord')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink the Discord webhook' })
  @ApiNoContentResponse()
  async unlinkDiscord(@CurrentUser() p: UserPrincipal): Promise<void> {
    await this.webhooks.unlink(p.userId);
  }
}
