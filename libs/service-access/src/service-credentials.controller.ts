import { ApiProblem, PageQueryDto, ServicePrincipal, UuidPipe } from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import {
  CreateServiceCredentialDto,
  IssuedServiceCredentialDto,
  RotateServiceCredentialDto,
  ServiceCredentialDto,
  ServiceCredentialPageDto,
} from './dto/service-credentials.dto';
import { ServiceApi, CurrentService } from './service-api.decorator';
import { ServiceCredential } from './service-credential.entity';
import { ServiceCredentialsService } from './service-credentials.service';

/** Default time the replaced secret keeps working after a rotation: a day to roll a fleet over. */
const DEFAULT_ROTATION_GRACE_MINUTES = 24 * 60;

function toDto(c: ServiceCredential): ServiceCredentialDto {
  const validUntil = c.previousSecretHash && c.previousExpiresAt ? c.previousExpiresAt.toISOString() : null;
  return {
    id: c.id,
    name: c.name,
    scopes: c.scopes,
    secretHint: c.secretHint,
    createdAt: c.createdAt.toISOString(),
    createdBy: c.createdBy,
    rotatedAt: c.rotatedAt?.toISOString() ?? null,
    previousSecretValidUntil: validUntil,
    lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    revokedAt: c.revokedAt?.toISOString() ?? null,
  };
}

@ApiTags('service: credentials')
@Controller('service/credentials')
export class ServiceCredentialsController {
  constructor(private readonly credentials: ServiceCredentialsService) {}

  @Post()
  @ServiceApi('credentials:manage')
  @ApiOperation({ summary: 'Create a named, scoped service credential; its secret is in this answer only' })
  @ApiCreatedResponse({ type: IssuedServiceCredentialDto })
  @ApiProblem(409, 'An active credential already has this name')
  async create(@CurrentService() caller: ServicePrincipal, @Body() body: CreateServiceCredentialDto): Promise<IssuedServiceCredentialDto> {
    const issued = await this.credentials.create(caller, body);
    return { credential: toDto(issued.credential), secret: issued.secret };
  }

  @Get()
  @ServiceApi('credentials:manage')
  @ApiOperation({ summary: 'Service credentials, newest first, revoked ones included (never their secrets)' })
  @ApiOkResponse({ type: ServiceCredentialPageDto })
  async list(@Query() q: PageQueryDto): Promise<ServiceCredentialPageDto> {
    const page = await this.credentials.list(q);
    return { items: page.items.map(toDto), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ServiceApi('credentials:manage')
  @ApiOperation({ summary: 'One service credential' })
  @ApiOkResponse({ type: ServiceCredentialDto })
  @ApiProblem(404, 'No such credential')
  async get(@Param('id', new UuidPipe('id')) id: string): Promise<ServiceCredentialDto> {
    return toDto(await this.credentials.get(id));
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ServiceApi('credentials:manage')
  @ApiOperation({
    summary:
      'A new secret for the credential; the replaced one keeps working for previousValidForMinutes (default 1440), so two are valid during a rotation',
  })
  @ApiOkResponse({ type: IssuedServiceCredentialDto })
  @ApiProblem(404, 'No such credential, or it is revoked')
  async rotate(
    @CurrentService() caller: ServicePrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: RotateServiceCredentialDto,
  ): Promise<IssuedServiceCredentialDto> {
    const issued = await this.credentials.rotate(caller, id, body?.previousValidForMinutes ?? DEFAULT_ROTATION_GRACE_MINUTES);
    return { credential: toDto(issued.credential), secret: issued.secret };
  }

  @Delete(':id')
  @HttpCode(204)
  @ServiceApi('credentials:manage')
  @ApiOperation({ summary: 'Revoke a credential: both of its secrets stop working at once' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblem(404, 'No such credential, or it is already revoked')
  async revoke(@CurrentService() caller: ServicePrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<void> {
    await this.credentials.revoke(caller, id);
  }
}
