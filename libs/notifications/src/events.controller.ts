import { ApiKeyAccess } from '@latchkey/core';
import { ServiceApi } from '@latchkey/service-access';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { HostEventDto } from './dto/notifications.dto';
import { EventCatalogueDto, EventDataFieldDto, HostEventResultDto } from './dto/responses.dto';
import { CHANNELS, EVENT_CATALOGUE, EventDefinition, EventType, defaultChannels } from './event-catalogue';
import { HostEventsService } from './host-events.service';

/** The host application publishing to its users: part of the service API. */
@ApiTags('service: events')
@Controller('events')
export class ServiceEventsController {
  constructor(private readonly hostEvents: HostEventsService) {}

  @Post()
  @ServiceApi('events:publish')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Host application: publish a catalogue event for a user or an account’s members (a service credential with events:publish); idempotent by id',
  })
  @ApiAcceptedResponse({ type: HostEventResultDto })
  publish(@Body() body: HostEventDto): Promise<HostEventResultDto> {
    return this.hostEvents.publish(body);
  }
}

@ApiTags('events')
@Controller('events')
export class EventsController {
  // The catalogue is read by the console and by host developers; publishing is on ServiceEventsController.

  @Get('catalogue')
  @ApiKeyAccess()
  @ApiOperation({ summary: 'Every event type with its channels and defaults' })
  @ApiExtraModels(EventDataFieldDto)
  @ApiOkResponse({ type: EventCatalogueDto })
  catalogue(): EventCatalogueDto {
    return {
      channels: [...CHANNELS],
      items: (Object.keys(EVENT_CATALOGUE) as EventType[]).map((type) => {
        const def: EventDefinition = EVENT_CATALOGUE[type];
        return {
          type,
          category: def.category,
          description: def.description,
          channels: [...def.channels],
          defaults: [...defaultChannels(def)],
          mandatoryEmail: def.mandatoryEmail,
          hostPublishable: def.hostPublishable ?? false,
          data: { ...(def.data ?? {}) },
        };
      }),
    };
  }
}
