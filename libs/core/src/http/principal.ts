import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { DomainException } from '../errors/domain.exception';

export type StaffRole = 'support' | 'support_lead';
export type SessionRestriction = 'mfa_setup_required' | 'mfa_recovery';
export type ApiKeyScope = 'read' | 'write';

interface PrincipalBase {
  userId: string;
  email: string;
  /** How the token came: the session cookie or an `Authorization: Bearer` header. */
  via: 'cookie' | 'bearer';
}

/** A signed-in browser or client holding a session token. */
export interface SessionPrincipal extends PrincipalBase {
  kind: 'session';
  sessionId: string;
  staffRole: StaffRole | null;
  restriction: SessionRestriction | null;
  reauthenticatedAt: Date | null;
}

/** What an API key may do: its account (null: the user's own reach), the role cap there, and its scopes. */
export interface ApiKeyGrant {
  keyId: string;
  accountId: string | null;
  /** An account role name (owner, admin, member, viewer); set exactly when accountId is. */
  roleCap: string | null;
  scopes: readonly ApiKeyScope[];
}

/**
 * A personal access token (`lk_pat_…`) acting for its user. It never carries staff power, is
 * never restricted and never counts as recently re-authenticated: those belong to sessions.
 */
export interface ApiKeyPrincipal extends PrincipalBase {
  kind: 'api_key';
  sessionId: null;
  staffRole: null;
  restriction: null;
  reauthenticatedAt: null;
  apiKey: ApiKeyGrant;
}

/**
 * A service credential of the host application (`lksv_…`, or the bootstrap SERVICE_TOKEN). It
 * acts for no user: it reaches only the service API's routes (@ServiceApi), within its scopes.
 */
export interface ServicePrincipal {
  kind: 'service';
  via: 'bearer';
  /** Null for the bootstrap SERVICE_TOKEN. */
  credentialId: string | null;
  name: string;
  scopes: readonly string[];
}

/** A principal acting for a user: a session or an API key (what user routes see). */
export type UserPrincipal = SessionPrincipal | ApiKeyPrincipal;

/**
 * Who is calling, whatever the credential (`kind`: session, api_key or service): put on the
 * request by the one authentication step (auth's global guard), which picks the verifier by the
 * token's prefix and the route's door.
 */
export type Principal = UserPrincipal | ServicePrincipal;

export const IS_PUBLIC = 'latchkey:public';
export const ALLOW_RESTRICTED = 'latchkey:allow-restricted';
export const API_KEY_ACCESS = 'latchkey:api-key-access';

/** Opts a route out of the global session guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** A restricted session (must enrol MFA first) may call this route. */
export const AllowRestricted = () => SetMetadata(ALLOW_RESTRICTED, true);

/**
 * API keys are refused everywhere unless a route (or its controller) opts in with
 * @ApiKeyAccess(): a new route is session-only until someone decides keys may call it.
 * @SessionOnly() on a handler overrides an opted-in controller, and marks the routes that must
 * never take a key (password, email, 2FA, keys, user-level deletion, staff) so the choice is
 * visible where the route is declared.
 */
export const ApiKeyAccess = () => SetMetadata(API_KEY_ACCESS, true);
export const SessionOnly = () => SetMetadata(API_KEY_ACCESS, false);

/** The user principal of a user route; a service credential never reaches one (the guard sends it to service routes only). */
export function principalOf(request: { principal?: Principal }): UserPrincipal {
  if (!request.principal || request.principal.kind === 'service') {
    throw new DomainException('UNAUTHENTICATED', 'UNAUTHENTICATED', 'Sign in first.');
  }
  return request.principal;
}

/** The session of a session-only route; an API key never reaches one (the guard refuses it first). */
export function sessionIdOf(principal: UserPrincipal): string {
  if (principal.kind !== 'session') {
    throw new DomainException('API_KEY_SESSION_REQUIRED', 'FORBIDDEN', 'This needs a signed-in session: API keys cannot do it.');
  }
  return principal.sessionId;
}

/** The signed-in principal; throws if a route forgot the guard. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): UserPrincipal =>
  principalOf(ctx.switchToHttp().getRequest<{ principal?: Principal }>()),
);

export const API_KEY_PREFIX = 'lk_pat_';

/**
 * The port the global guard checks `Bearer lk_pat_…` through; the api-keys lib provides it.
 * Answers undefined for an unknown, revoked or expired key or one whose user lost the access.
 */
export abstract class ApiKeyVerifier {
  abstract authenticate(token: string, ip: string | undefined): Promise<ApiKeyPrincipal | undefined>;
  /** Counts one use of an admitted key against its per-minute limit; throws 429 past it. */
  abstract consume(principal: ApiKeyPrincipal): Promise<void>;
  /**
   * Revokes every active key of the user inside `m` (a password reset: whoever got in and made a
   * key must not keep it). Other instances drop them when the change feed announces the commit.
   */
  abstract revokeAllOf(userId: string, reason: string, m: EntityManager): Promise<number>;
}

/** A service credential's secret starts with this; the bootstrap SERVICE_TOKEN may not (it is the operator's). */
export const SERVICE_TOKEN_PREFIX = 'lksv_';

/** The service scopes a @ServiceApi route needs (set by service-access's decorator, read by the authentication step). */
export const SERVICE_SCOPES_METADATA = 'latchkey:service-scopes';

/**
 * The port the authentication step checks a service-API call's token through; the service-access
 * lib provides it. Throws the route's problem: 429 after too many wrong tokens from the network,
 * 403 when the service API is off (no SERVICE_TOKEN, no credential), 401 for a wrong or missing token.
 */
export abstract class ServiceCredentialVerifier {
  abstract authenticate(authorization: string | undefined, ip: string | undefined): Promise<ServicePrincipal>;
}
