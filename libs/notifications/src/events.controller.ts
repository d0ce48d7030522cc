import { ApiProblem, ApiServiceToken, Public } from '@latchkey/core';
import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { HostEventDto } from './dto/notifications.dto';
import { EventCatalogueDto, EventDataFieldDto, HostEventResultDto } from './dto/responses.dto';
import { CHANNELS, EVENT_CATALOGUE, EventDefinition, EventType, defaultChannels } from './event-catalogue';
import { ServiceTokenGuard } from './guards/service-token.guard';
import { HostEventsService } from './host-events.service';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly hostEvents: HostEventsService) {}

  @Post()
  @Public()
  @ApiServiceToken()
  @UseGuards(ServiceTokenGuard)
  @HttpCode(202)
  @ApiOperation({
    summary: 'Host application: publish a catalogue event for a user or an account’s members (Bearer SERVICE_TOKEN); idempotent by id',
  })
  @ApiAcceptedResponse({ type: HostEventResultDto })
  @ApiProblem(403, 'Host events are turned off: SERVICE_TOKEN is not set')
  publish(@Body() body: HostEventDto): Promise<HostEventResultDto> {
    return this.hostEvents.publish(body);
  }

  @Get('catalogue')
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
