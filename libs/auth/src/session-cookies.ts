import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { CSRF_COOKIE, SESSION_COOKIE } from './guards/session-auth.guard';

export const DEVICE_COOKIE = 'lk_device';

/** The console's cookies: the session HttpOnly, the CSRF token readable by the page's script. */
@Injectable()
export class SessionCookies {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private base() {
    return { path: '/', sameSite: 'lax' as const, secure: this.config.http.secureCookies };
  }

  set(reply: FastifyReply, token: string, csrfToken: string, expiresAt: Date) {
    void reply.setCookie(SESSION_COOKIE, token, { ...this.base(), httpOnly: true, expires: expiresAt });
    void reply.setCookie(CSRF_COOKIE, csrfToken, { ...this.base(), httpOnly: false, expires: expiresAt });
  }

  setDevice(reply: FastifyReply, deviceToken: string, expiresAt: Date) {
    void reply.setCookie(DEVICE_COOKIE, deviceToken, { ...this.base(), httpOnly: true, expires: expiresAt });
  }

  clear(reply: FastifyReply) {
    void reply.clearCookie(SESSION_COOKIE, this.base());
    void reply.clearCookie(CSRF_COOKIE, this.base());
  }
}
