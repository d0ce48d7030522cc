import { ApiProblem, ApiServiceToken, Principal, Public, SERVICE_SCOPES_METADATA, ServicePrincipal } from '@latchkey/core';
import { ExecutionContext, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

import { SERVICE_SCOPES, ServiceScope } from './service-scopes';

/**
 * A route of the service API: no session, a service credential (or the bootstrap SERVICE_TOKEN)
 * holding `scope`, documented with the service security scheme, its scope, 401, 403 and 429. The
 * credential is checked by the one authentication step (auth's global guard, through the
 * ServiceCredentialVerifier port this lib provides), before the body is validated: a caller
 * without a valid token learns nothing about the route's format (401, not 400). Then the scope.
 */
export function ServiceApi(scope: ServiceScope) {
  return applyDecorators(
    Public(),
    ApiServiceToken(),
    SetMetadata(SERVICE_SCOPES_METADATA, [scope]),
    ApiExtension('x-service-scopes', [scope]),
    ApiProblem(403, `The credential lacks the scope ${scope} (${SERVICE_SCOPES[scope]}), or the service API is turned off`),
    ApiProblem(429, 'Too many wrong service tokens from this network'),
  );
}

/** The calling service credential of a @ServiceApi() route. */
export const CurrentService = createParamDecorator((_data: unknown, ctx: ExecutionContext): ServicePrincipal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (principal?.kind !== 'service') {
    throw new Error('CurrentService used on a route without @ServiceApi()');
  }
  return principal;
});
