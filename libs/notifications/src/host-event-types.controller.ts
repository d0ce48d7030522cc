import { ApiProblem, ServicePrincipal, decodeKeyCursor, encodeKeyCursor } from '@latchkey/core';
import { CurrentService, ServiceApi } from '@latchkey/service-access';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import {
  EmailTemplateDto,
  HostEventTypeBodyDto,
  HostEventTypeDetailDto,
  HostEventTypeDto,
  HostEventTypeListQueryDto,
  HostEventTypePageDto,
  HostTemplateSetDto,
  InAppTemplateDto,
  RegisterHostEventTypeDto,
  TextTemplateDto,
  toHostEventTypeDto,
} from './dto/host-event-types.dto';
import { HostEventTypesManager } from './host-event-types.manager';
import { HOST_EVENT_NAME, HostEventTypesService } from './host-event-types.service';
import { notificationsError } from './notifications.exception';

/** The list's cursor: core's keyset format keyed by the (unique) type name. */
function decodeNameCursor(cursor?: string): string | undefined {
  const name = decodeKeyCursor(cursor, 'text');
  if (name !== undefined && !HOST_EVENT_NAME.test(String(name))) {
    throw notificationsError('INVALID_EVENT_TYPE', 'Invalid field(s): cursor.', {
      errors: [{ field: 'cursor', message: 'is not a cursor this API issued' }],
    });
  }
  return name === undefined ? undefined : String(name);
}

/** The host application's own event types: registered, versioned and retired through the service API. */
@ApiTags('service: event types')
@ApiExtraModels(HostTemplateSetDto, EmailTemplateDto, InAppTemplateDto, TextTemplateDto)
@Controller('service/event-types')
export class HostEventTypesController {
  constructor(
    private readonly types: HostEventTypesService,
    private readonly manager: HostEventTypesManager,
  ) {}

  @Post()
  @ServiceApi('event-types:manage')
  @ApiOperation({
    summary:
      'Register an event type (version 1): name in the host. namespace, category, channels and defaults, a JSON Schema of its data, Handlebars templates per channel and language; templates are checked (syntax, and every variable declared)',
  })
  @ApiCreatedResponse({ type: HostEventTypeDto })
  @ApiProblem(400, 'Invalid definition: a broken template (field and line), an undeclared variable, an invalid JSON Schema, a bad name')
  @ApiProblem(409, 'A type of this name is registered already (add a version instead)')
  async register(@CurrentService() caller: ServicePrincipal, @Body() body: RegisterHostEventTypeDto): Promise<HostEventTypeDto> {
    const { name, ...definition } = body;
    return toHostEventTypeDto(await this.manager.register(caller.name, name, definition));
  }

  @Get()
  @ServiceApi('event-types:manage')
  @ApiOperation({ summary: 'Registered event types by name, each in its latest version' })
  @ApiOkResponse({ type: HostEventTypePageDto })
  @ApiProblem(400, 'Invalid query')
  async list(@Query() q: HostEventTypeListQueryDto): Promise<HostEventTypePageDto> {
    const limit = q.limit ?? 20;
    const rows = await this.types.list({ limit: limit + 1, after: decodeNameCursor(q.cursor), includeRetired: q.includeRetired ?? false });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toHostEventTypeDto),
      nextCursor: rows.length > limit && last ? encodeKeyCursor(last.name) : null,
    };
  }

  @Get(':name')
  @ServiceApi('event-types:manage')
  @ApiOperation({ summary: 'An event type in its latest version, with the list of its versions' })
  @ApiOkResponse({ type: HostEventTypeDetailDto })
  @ApiProblem(404, 'No type of this name was registered')
  async get(@Param('name') name: string): Promise<HostEventTypeDetailDto> {
    const history = await this.types.history(name);
    return {
      ...toHostEventTypeDto(history[0]),
      versions: history.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy })),
    };
  }

  @Get(':name/versions/:version')
  @ServiceApi('event-types:manage')
  @ApiOperation({ summary: 'One version of an event type' })
  @ApiOkResponse({ type: HostEventTypeDto })
  @ApiProblem(400, 'version is not a number')
  @ApiProblem(404, 'No such type or version')
  async getVersion(
    @Param('name') name: string,
    @Param('version', new ParseIntPipe({ exceptionFactory: () => versionError() })) version: number,
  ): Promise<HostEventTypeDto> {
    // Versions count from 1; past the publish DTO's bound no version exists (and the int column would refuse the number).
    const found = version >= 1 && version <= 1_000_000 ? await this.types.version(name, version) : undefined;
    if (!found) {
      throw notificationsError('EVENT_TYPE_NOT_FOUND', `No version ${version} of ${name.slice(0, 100)}.`);
    }
    const [latest] = await this.types.history(name);
    return toHostEventTypeDto({ ...found, retiredAt: latest.retiredAt });
  }

  @Post(':name/versions')
  @ServiceApi('event-types:manage')
  @ApiOperation({
    summary:
      'A new version of an event type (the whole definition, checked like a registration); new events use it, events already queued keep theirs',
  })
  @ApiCreatedResponse({ type: HostEventTypeDto })
  @ApiProblem(400, 'Invalid definition: a broken template (field and line), an undeclared variable, an invalid JSON Schema')
  @ApiProblem(404, 'No type of this name was registered')
  @ApiProblem(409, 'The type is retired')
  async addVersion(
    @CurrentService() caller: ServicePrincipal,
    @Param('name') name: string,
    @Body() body: HostEventTypeBodyDto,
  ): Promise<HostEventTypeDto> {
    return toHostEventTypeDto(await this.manager.addVersion(caller.name, name, body));
  }

  @Delete(':name')
  @HttpCode(204)
  @ServiceApi('event-types:manage')
  @ApiOperation({
    summary:
      'Retire an event type: it can no longer be published and leaves the preferences grid; events already queued are still delivered. The name stays taken.',
  })
  @ApiNoContentResponse({ description: 'Retired' })
  @ApiProblem(404, 'No such type, or it is retired already')
  async retire(@CurrentService() caller: ServicePrincipal, @Param('name') name: string): Promise<void> {
    await this.manager.retire(caller.name, name);
  }
}

function versionError() {
  return notificationsError('INVALID_EVENT_TYPE', 'Invalid field(s): version.', {
    errors: [{ field: 'version', message: 'must be a whole number' }],
  });
}
