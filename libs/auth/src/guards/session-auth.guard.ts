import {
  ALLOW_RESTRICTED,
  API_KEY_ACCESS,
  API_KEY_PREFIX,
  APP_CONFIG,
  ApiKeyPrincipal,
  ApiKeyVerifier,
  AppConfig,
  IS_PUBLIC,
  Principal,
  SERVICE_SCOPES_METADATA,
  SERVICE_TOKEN_PREFIX,
  ServiceCredentialVerifier,
  UserPrincipal,
  constantTimeEqual,
  requestContext,
} from '@latchkey/core';
import { SessionsService, csrfTokenFor } from '@latchkey/sessions';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { authError } from '../auth.exception';

export const SESSION_COOKIE = 'lk_session';
export const CSRF_COOKIE = 'lk_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie's name as set and read: `__Host-` prefixed when PUBLIC_URL is https. */
export function cookieName(config: AppConfig, base: string): string {
  return `${config.http.cookiePrefix}${base}`;
}

export function presentedToken(
  req: FastifyRequest,
  sessionCookie = SESSION_COOKIE,
): { token: string; via: UserPrincipal['via'] } | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.toLowerCase().startsWith('bearer ')) {
    return { token: header.slice(7).trim(), via: 'bearer' };
  }
  const cookie = (req.cookies as Record<string, string | undefined> | undefined)?.[sessionCookie];
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

function csrfMatches(req: FastifyRequest, sessionToken: string): boolean {
  const sent = req.headers[CSRF_HEADER];
  return typeof sent === 'string' && constantTimeEqual(sent, csrfTokenFor(sessionToken));
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** Which verifier checks a token: chosen by its prefix (`lk_pat_` API key, `lksv_` service credential, else a session). */
export function verifierFor(token: string): Principal['kind'] {
  return token.startsWith(API_KEY_PREFIX) ? 'api_key' : token.startsWith(SERVICE_TOKEN_PREFIX) ? 'service' : 'session';
}

/**
 * The one authentication step, for every credential (a global guard: it runs before any pipe, so
 * a caller without a valid credential learns nothing about a route's body). Deny by default,
 * @Public() opts out. The verifier is chosen by the token's prefix (verifierFor) and the route's
 * door: a service-API route (@ServiceApi) takes service credentials only, whatever the token (the
 * operator's bootstrap SERVICE_TOKEN has no prefix), and a service credential opens no other
 * route. Cookie-authenticated writes must carry the CSRF token; a restricted session reaches
 * only routes marked @AllowRestricted().
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly services: ServiceCredentialVerifier,
  ) {}

  /** Answers without a promise when it can (a session held in memory): see SessionsService.authenticate. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;
    const req = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const serviceScopes = this.reflector.getAllAndOverride<string[] | undefined>(SERVICE_SCOPES_METADATA, targets);
    if (serviceScopes) {
      return this.admitService(req, serviceScopes);
    }
    const presented = presentedToken(req, cookieName(this.config, SESSION_COOKIE));
    if (!presented) {
      if (isPublic) {
        return true;
      }
      throw authError('SESSION_REQUIRED', 'Sign in first.');
    }
    const verifier = presented.via === 'bearer' ? verifierFor(presented.token) : 'session';
    if (verifier === 'api_key') {
      return this.admitApiKey(req, presented.token, isPublic, targets);
    }
    // A service credential outside the service API is no session: refused as one, without a lookup.
    const principal = verifier === 'service' ? undefined : this.sessions.authenticate(presented.token, presented.via);
    // Any thenable is waited for (not only a native Promise): taken for a principal, it would admit.
    return isThenable(principal)
      ? Promise.resolve(principal).then((p) => this.admitSession(req, presented, p, isPublic, targets))
      : this.admitSession(req, presented, principal, isPublic, targets);
  }

  private admitSession(
    req: FastifyRequest & { principal?: Principal },
    presented: { token: string; via: UserPrincipal['via'] },
    principal: UserPrincipal | undefined,
    isPublic: boolean,
    targets: Array<ReturnType<ExecutionContext['getHandler']>>,
  ): boolean {
    if (!principal) {
      if (isPublic) {
        return true;
      }
      throw authError('SESSION_INVALID', 'Your session has ended. Sign in again.');
    }
    const csrfOk = presented.via !== 'cookie' || SAFE_METHODS.has(req.method) || csrfMatches(req, presented.token);
    if (isPublic) {
      // A public write (invitation accept) acts for the cookie's session only with the CSRF token; otherwise it is anonymous.
      if (csrfOk) {
        req.principal = principal;
      }
      return true;
    }
    if (!csrfOk) {
      throw authError('CSRF_TOKEN_INVALID', 'Send the X-CSRF-Token header from the lk_csrf cookie with cookie-authenticated writes.');
    }
    if (principal.restriction && !this.reflector.getAllAndOverride<boolean>(ALLOW_RESTRICTED, targets)) {
      throw principal.restriction === 'mfa_recovery'
        ? authError(
            'MFA_RECOVERY_SETUP_REQUIRED',
            'You signed in with a recovery code: set up two-factor authentication again before doing anything else.',
          )
        : authError(
            'MFA_SETUP_REQUIRED',
            'An account you belong to requires two-factor authentication: set it up before doing anything else.',
          );
    }
    req.principal = principal;
    return true;
  }

  /**
   * A service-API route: the Authorization header goes to the service verifier (429 after too many
   * wrong tokens from the network, 403 when the service API is off, 401 for a wrong or missing
   * token), then the route's scopes (403). A session cookie or an API key opens no service route.
   */
  private async admitService(req: FastifyRequest & { principal?: Principal }, needed: readonly string[]): Promise<boolean> {
    const authorization = req.headers.authorization;
    const principal = await this.services.authenticate(
      typeof authorization === 'string' ? authorization : undefined,
      requestContext.get()?.ip ?? req.ip,
    );
    const missing = needed.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0) {
      throw authError('SERVICE_SCOPE_MISSING', `This service credential lacks the scope ${missing.join(', ')}.`);
    }
    req.principal = principal;
    return true;
  }

  /**
   * `Bearer lk_pat_…`: the key is checked on every request (revoked, expired, its user's
   * membership), then the route must opt in (@ApiKeyAccess), a write needs the write scope and a
   * key bound to an account reaches only that account's routes (the role guard applies its cap).
   * On a @Public() route a key is ignored: the request is anonymous.
   */
  private async admitApiKey(
    req: FastifyRequest & { principal?: Principal },
    token: string,
    isPublic: boolean,
    targets: Array<ReturnType<ExecutionContext['getHandler']>>,
  ): Promise<boolean> {
    if (isPublic) {
      return true;
    }
    const principal: ApiKeyPrincipal | undefined = await this.apiKeys.authenticate(token, requestContext.get()?.ip ?? req.ip);
    if (!principal) {
      throw authError('API_KEY_INVALID', 'This API key is not valid: it was revoked, has expired, or its user no longer has this access.');
    }
    const context = requestContext.get();
    if (context) {
      context.apiKeyId = principal.apiKey.keyId;
    }
    if (this.reflector.getAllAndOverride<boolean>(API_KEY_ACCESS, targets) !== true) {
      throw authError('API_KEY_SESSION_REQUIRED', 'This needs a signed-in session: API keys cannot call this route.');
    }
    if (!SAFE_METHODS.has(req.method) && !principal.apiKey.scopes.includes('write')) {
      throw authError('API_KEY_SCOPE_MISSING', 'This API key has the read scope only: writes need a key with the write scope.');
    }
    const params = req.params as Record<string, string | undefined> | undefined;
    if (principal.apiKey.accountId && params?.accountId === undefined) {
      throw authError('API_KEY_ACCOUNT_BOUND', "This API key is bound to one account: it can call only that account's routes.");
    }
    await this.apiKeys.consume(principal);
    req.principal = principal;
    return true;
  }
}
