import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { LoginResponseDto } from './dto/auth.dto';
import { LoginResult } from './login.use-case';
import { SessionCookies } from './session-cookies';

/** A finished sign-in as LoginUseCase.issueSession ends it, with the trusted-device token when one was asked for. */
export type SignInOutcome = LoginResult & { device?: { token: string; expiresAt: Date } };

/**
 * The one shape of a sign-in answer, for every door that ends in one (the password step, the
 * second step, an invitation accepted by a new person): sets the session and CSRF cookies (and
 * the trusted-device cookie) and answers the session, the user and the CSRF token; a challenge
 * is answered as it is, with no cookie.
 */
@Injectable()
export class SignInAnswer {
  constructor(
    private readonly cookies: SessionCookies,
    private readonly users: UsersService,
  ) {}

  respond(result: SignInOutcome, reply: FastifyReply): LoginResponseDto {
    if (result.status === 'mfa_required') {
      return { status: 'mfa_required', ...result.challenge };
    }
    this.cookies.set(reply, result.token, result.csrfToken, result.expiresAt);
    if (result.device) {
      this.cookies.setDevice(reply, result.device.token, result.device.expiresAt);
    }
    return {
      status: result.status,
      session: { id: result.sessionId, token: result.token, expiresAt: result.expiresAt.toISOString() },
      user: this.users.toDto(result.user),
      csrfToken: result.csrfToken,
      ...(result.device ? { deviceToken: result.device.token } : {}),
    };
  }
}
