import { ALLOW_RESTRICTED, APP_CONFIG, AppConfig, IS_PUBLIC, Principal, constantTimeEqual } from '@latchkey/core';
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

export function presentedToken(req: FastifyRequest, sessionCookie = SESSION_COOKIE): { token: string; via: Principal['via'] } | undefined {
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

/**
 * The global guard: deny by default, @Public() opts out. Cookie-authenticated writes must
 * carry the CSRF token; a restricted session reaches only routes marked @AllowRestricted().
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;
    const req = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const presented = presentedToken(req, cookieName(this.config, SESSION_COOKIE));
    if (!presented) {
      if (isPublic) {
        return true;
      }
      throw authError('SESSION_REQUIRED', 'Sign in first.');
    }
    const principal = await this.sessions.authenticate(presented.token, presented.via);
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
}
