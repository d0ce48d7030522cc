import { Public } from '@latchkey/core';
import { Body, Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { HostEventDto } from './dto/notifications.dto';
import { CHANNELS, EVENT_CATALOGUE, EventDefinition, EventType, defaultChannels } from './event-catalogue';
import { HostEventResult, HostEventsService } from './host-events.service';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly hostEvents: HostEventsService) {}

  @Post()
  @Public()
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Host application: publish a catalogue event for a user or an account’s members (Bearer SERVICE_TOKEN); idempotent by id',
  })
  publish(@Headers('authorization') authorization: string | undefined, @Body() body: HostEventDto): Promise<HostEventResult> {
    this.hostEvents.authenticate(authorization);
    return this.hostEvents.publish(body);
  }

  @Get('catalogue')
  @ApiOperation({ summary: 'Every event type with its channels and defaults' })
  catalogue() {
    return {
      channels: CHANNELS,
      items: (Object.keys(EVENT_CATALOGUE) as EventType[]).map((type) => {
        const def: EventDefinition = EVENT_CATALOGUE[type];
        return {
          type,
          category: def.category,
          description: def.description,
          channels: def.channels,
          defaults: defaultChannels(def),
          mandatoryEmail: def.mandatoryEmail,
          hostPublishable: def.hostPublishable ?? false,
          data: def.data ?? {},
        };
      }),
    };
  }
}
