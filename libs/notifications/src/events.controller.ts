import { ApiKeyAccess } from '@latchkey/core';
import { ServiceApi } from '@latchkey/service-access';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { HostEventDto } from './dto/notifications.dto';
import { EventCatalogueDto, EventDataFieldDto, HostEventResultDto } from './dto/responses.dto';
import { CHANNELS, EVENT_CATALOGUE, EventDataField, EventDefinition, EventType, defaultChannels } from './event-catalogue';
import { HostEventTypeVersion, HostEventTypesService } from './host-event-types.service';
import { HostEventsService } from './host-events.service';

/** The top-level fields of a registered type's schema, in the catalogue's simple form (dataSchema is the exact one). */
function simpleFields(type: HostEventTypeVersion): Record<string, EventDataField> {
  const schema = type.dataSchema as {
    properties?: Record<string, { type?: unknown; format?: unknown; description?: unknown }>;
    required?: unknown;
  };
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, p]) => {
      const kind: EventDataField['type'] = p.type === 'number' || p.type === 'integer' ? 'number' : p.format === 'uri' ? 'url' : 'string';
      return [
        name,
        {
          type: kind,
          ...(required.includes(name) ? {} : { optional: true }),
          ...(typeof p.description === 'string' ? { description: p.description } : {}),
        },
      ];
    }),
  );
}

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
  constructor(private readonly hostTypes: HostEventTypesService) {}

  @Get('catalogue')
  @ApiKeyAccess()
  @ApiOperation({ summary: 'Every event type with its channels and defaults: the built-in catalogue, then the types the host registered' })
  @ApiExtraModels(EventDataFieldDto)
  @ApiOkResponse({ type: EventCatalogueDto })
  async catalogue(): Promise<EventCatalogueDto> {
    const host = (await this.hostTypes.active()).map((t) => {
      const def = this.hostTypes.definition(t);
      return {
        type: t.name,
        category: def.category,
        description: def.description,
        channels: [...def.channels],
        defaults: [...defaultChannels(def)],
        mandatoryEmail: def.mandatoryEmail,
        hostPublishable: true,
        data: simpleFields(t),
        source: 'host' as const,
        version: t.version,
        dataSchema: t.dataSchema,
      };
    });
    return {
      channels: [...CHANNELS],
      items: [...this.builtIn(), ...host],
    };
  }

  private builtIn(): EventCatalogueDto['items'] {
    return (Object.keys(EVENT_CATALOGUE) as EventType[]).map((type) => {
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
        source: 'builtin' as const,
        version: null,
        dataSchema: null,
      };
    });
  }
}
