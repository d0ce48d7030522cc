import { SetMetadata } from '@nestjs/common';

/** Names of the security schemes in components.securitySchemes. */
export const SECURITY_SCHEMES = {
  sessionToken: 'sessionToken',
  sessionCookie: 'sessionCookie',
  csrfToken: 'csrfToken',
  serviceToken: 'serviceToken',
  apiKey: 'apiKey',
} as const;

export const OPENAPI_AUTH = 'latchkey:openapi-auth';
export type OpenApiAuth = 'service-token' | 'optional-session';

/** The route authenticates the host application's SERVICE_TOKEN (Authorization: Bearer), not a session. */
export const ApiServiceToken = () => SetMetadata(OPENAPI_AUTH, 'service-token' satisfies OpenApiAuth);

/** A @Public() route that also uses a session when one is presented (documented as optional security). */
export const ApiOptionalSession = () => SetMetadata(OPENAPI_AUTH, 'optional-session' satisfies OpenApiAuth);
