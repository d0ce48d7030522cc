import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { CSRF_COOKIE, SESSION_COOKIE, cookieName } from './guards/session-auth.guard';

export const DEVICE_COOKIE = 'lk_device';

/** The console's cookies: the session HttpOnly, the CSRF token readable by the page's script. */
@Injectable()
export class SessionCookies {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The cookie's name under this PUBLIC_URL (`__Host-lk_session` on https). */
  name(base: string): string {
    return cookieName(this.config, base);
  }

  private base() {
    return { path: '/', sameSite: 'lax' as const, secure: this.config.http.secureCookies };
  }

  set(reply: FastifyReply, token: string, csrfToken: string, expiresAt: Date) {
    void reply.setCookie(this.name(SESSION_COOKIE), token, { ...this.base(), httpOnly: true, expires: expiresAt });
    void reply.setCookie(this.name(CSRF_COOKIE), csrfToken, { ...this.base(), httpOnly: false, expires: expiresAt });
  }

  setDevice(reply: FastifyReply, deviceToken: string, expiresAt: Date) {
    void reply.setCookie(this.name(DEVICE_COOKIE), deviceToken, { ...this.base(), httpOnly: true, expires: expiresAt });
  }

  clear(reply: FastifyReply) {
    void reply.clearCookie(this.name(SESSION_COOKIE), this.base());
    void reply.clearCookie(this.name(CSRF_COOKIE), this.base());
  }
}
