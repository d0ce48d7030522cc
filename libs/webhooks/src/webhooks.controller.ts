import { AccountRole, AccountRoles } from '@latchkey/accounts';
import { ApiProblem, CurrentUser, PageQueryDto, UserPrincipal, SessionOnly, UuidPipe, ServicePrincipal } from '@latchkey/core';
import { CurrentService, ServiceApi } from '@latchkey/service-access';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import {
  CreateWebhookEndpointDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
  WebhookEndpointWithSecretDto,
  WebhookTestDto,
} from './dto/webhooks.dto';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsService, WebhookOwner } from './webhook-endpoints.service';

const DEFAULT_ROTATION_GRACE_MINUTES = 24 * 60;

export function toEndpointDto(e: WebhookEndpoint): WebhookEndpointDto {
  return {
    id: e.id,
    accountId: e.accountId,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    previousSecretValidUntil: e.previousSecretSealed && e.previousExpiresAt ? e.previousExpiresAt.toISOString() : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** The same operations for an account's owners and for the host's service credentials. */
abstract class WebhookRoutes {
  constructor(protected readonly webhooks: WebhookEndpointsService) {}

  protected async listFor(owner: WebhookOwner): Promise<WebhookEndpointListDto> {
    return { items: (await this.webhooks.list(owner.accountId)).map(toEndpointDto), nextCursor: null };
  }

  protected async createFor(owner: WebhookOwner, body: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretDto> {
    const { endpoint, secret } = await this.webhooks.create(owner, body);
    return { endpoint: toEndpointDto(endpoint), secret };
  }

  protected async rotateFor(owner: WebhookOwner, id: string, body: RotateWebhookSecretDto): Promise<WebhookEndpointWithSecretDto> {
    const { endpoint, secret } = await this.webhooks.rotate(owner, id, body?.previousValidForMinutes ?? DEFAULT_ROTATION_GRACE_MINUTES);
    return { endpoint: toEndpointDto(endpoint), secret };
  }

  protected async deliveriesFor(owner: WebhookOwner, id: string, q: PageQueryDto): Promise<WebhookDeliveryPageDto> {
    const page = await this.webhooks.deliveries(owner, id, q.limit ?? 20, q.cursor);
    return {
      items: page.items.map((d) => ({
        id: d.id,
        type: d.event,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        createdAt: d.createdAt.toISOString(),
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
      nextCursor: page.nextCursor,
    };
  }
}

const ownerOf = (accountId: string, p: UserPrincipal): WebhookOwner => ({
  accountId,
  by: p.userId,
  actorUserId: p.userId,
  actorKind: 'user',
});

@ApiTags('webhooks')
@SessionOnly()
@Controller('accounts/:accountId/webhooks')
export class AccountWebhooksController extends WebhookRoutes {
  constructor(webhooks: WebhookEndpointsService) {
    super(webhooks);
  }

  @Get()
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: "The account's security webhook endpoints (owners)" })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  list(@Param('accountId', new UuidPipe('accountId')) accountId: string, @CurrentUser() p: UserPrincipal): Promise<WebhookEndpointListDto> {
    return this.listFor(ownerOf(accountId, p));
  }

  @Post()
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: 'Add an endpoint; its signing secret is in this answer only' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblem(409, 'The account has 10 endpoints already')
  create(
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @CurrentUser() p: UserPrincipal,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.createFor(ownerOf(accountId, p), body);
  }

  @Patch(':id')
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: 'Change the URL, events, description or turn it off' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblem(404, 'No such endpoint in this account')
  async update(
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @Param('id', new UuidPipe('id')) id: string,
    @CurrentUser() p: UserPrincipal,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return toEndpointDto(await this.webhooks.update(ownerOf(accountId, p), id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: 'Remove an endpoint; its pending deliveries are skipped' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblem(404, 'No such endpoint in this account')
  async remove(
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @Param('id', new UuidPipe('id')) id: string,
    @CurrentUser() p: UserPrincipal,
  ): Promise<void> {
    await this.webhooks.remove(ownerOf(accountId, p), id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: 'A new signing secret; the old one adds a second signature for previousValidForMinutes (default 1440)' })
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblem(404, 'No such endpoint in this account')
  rotate(
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @Param('id', new UuidPipe('id')) id: string,
    @CurrentUser() p: UserPrincipal,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.rotateFor(ownerOf(accountId, p), id, body);
  }

  @Post(':id/test')
  @HttpCode(202)
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: 'Send a webhook.test event to the endpoint through the delivery queue' })
  @ApiAcceptedResponse({ type: WebhookTestDto })
  @ApiProblem(404, 'No such endpoint in this account')
  test(
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @Param('id', new UuidPipe('id')) id: string,
    @CurrentUser() p: UserPrincipal,
  ): Promise<WebhookTestDto> {
    return this.webhooks.test(ownerOf(accountId, p), id);
  }

  @Get(':id/deliveries')
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: "The endpoint's delivery log, newest first: status, attempts, last error" })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiProblem(404, 'No such endpoint in this account')
  deliveries(
    @Param('accountId', new UuidPipe('accountId')) accountId: string,
    @Param('id', new UuidPipe('id')) id: string,
    @CurrentUser() p: UserPrincipal,
    @Query() q: PageQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.deliveriesFor(ownerOf(accountId, p), id, q);
  }
}

const serviceOwner = (s: ServicePrincipal): WebhookOwner => ({ accountId: null, by: s.name, actorUserId: null, actorKind: 'service' });

@ApiTags('service: webhooks')
@Controller('service/webhooks')
export class ServiceWebhooksController extends WebhookRoutes {
  constructor(webhooks: WebhookEndpointsService) {
    super(webhooks);
  }

  @Get()
  @ServiceApi('webhooks:manage')
  @ApiOperation({ summary: "The deployment's security webhook endpoints (every account's events)" })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  list(@CurrentService() s: ServicePrincipal): Promise<WebhookEndpointListDto> {
    return this.listFor(serviceOwner(s));
  }

  @Post()
  @ServiceApi('webhooks:manage')
  @ApiOperation({ summary: 'Add a deployment endpoint; its signing secret is in this answer only' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblem(409, 'The deployment has 10 endpoints already')
  create(@CurrentService() s: ServicePrincipal, @Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretDto> {
    return this.createFor(serviceOwner(s), body);
  }

  @Patch(':id')
  @ServiceApi('webhooks:manage')
  @ApiOperation({ summary: 'Change a deployment endpoint' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblem(404, 'No such deployment endpoint')
  async update(
    @CurrentService() s: ServicePrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return toEndpointDto(await this.webhooks.update(serviceOwner(s), id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ServiceApi('webhooks:manage')
  @ApiOperation({ summary: 'Remove a deployment endpoint' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblem(404, 'No such deployment endpoint')
  async remove(@CurrentService() s: ServicePrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<void> {
    await this.webhooks.remove(serviceOwner(s), id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ServiceApi('webhooks:manage')
  @ApiOperation({ summary: 'A new signing secret for a deployment endpoint' })
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblem(404, 'No such deployment endpoint')
  rotate(
    @CurrentService() s: ServicePrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.rotateFor(serviceOwner(s), id, body);
  }

  @Get(':id/deliveries')
  @ServiceApi('webhooks:manage')
  @ApiOperation({ summary: "A deployment endpoint's delivery log" })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiProblem(404, 'No such deployment endpoint')
  deliveries(
    @CurrentService() s: ServicePrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Query() q: PageQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.deliveriesFor(serviceOwner(s), id, q);
  }
}
