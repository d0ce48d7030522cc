import { ApiProblem, ApiServiceToken, Public, requestContext } from '@latchkey/core';
import { CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards, applyDecorators, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { ServiceCredentialsService, ServicePrincipal } from './service-credentials.service';
import { serviceAccessError } from './service-access.exception';
import { SERVICE_SCOPES, ServiceScope } from './service-scopes';

export const SERVICE_SCOPES_METADATA = 'latchkey:service-scopes';

type ServiceRequest = FastifyRequest & { service?: ServicePrincipal };

/**
 * The service credential is checked as a guard, before the body is validated: a caller without a
 * valid token learns nothing about the route's format (401, not 400). Then the route's scope.
 */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: ServiceCredentialsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ServiceRequest>();
    const authorization = request.headers.authorization;
    const principal = await this.credentials.authenticate(
      typeof authorization === 'string' ? authorization : undefined,
      requestContext.get()?.ip ?? request.ip,
    );
    const needed = this.reflector.get<ServiceScope[] | undefined>(SERVICE_SCOPES_METADATA, context.getHandler()) ?? [];
    const missing = needed.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0) {
      throw serviceAccessError('SERVICE_SCOPE_MISSING', `This service credential lacks the scope ${missing.join(', ')}.`);
    }
    request.service = principal;
    return true;
  }
}

/**
 * A route of the service API: no session, a service credential (or the bootstrap SERVICE_TOKEN)
 * holding `scope`, documented with the service security scheme, its scope, 401, 403 and 429.
 */
export function ServiceApi(scope: ServiceScope) {
  return applyDecorators(
    Public(),
    ApiServiceToken(),
    SetMetadata(SERVICE_SCOPES_METADATA, [scope]),
    UseGuards(ServiceAuthGuard),
    ApiExtension('x-service-scopes', [scope]),
    ApiProblem(403, `The credential lacks the scope ${scope} (${SERVICE_SCOPES[scope]}), or the service API is turned off`),
    ApiProblem(429, 'Too many wrong service tokens from this network'),
  );
}

/** The calling service credential of a @ServiceApi() route. */
export const CurrentService = createParamDecorator((_data: unknown, ctx: ExecutionContext): ServicePrincipal => {
  const principal = ctx.switchToHttp().getRequest<ServiceRequest>().service;
  if (!principal) {
    throw new Error('CurrentService used on a route without @ServiceApi()');
  }
  return principal;
});
