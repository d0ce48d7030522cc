import { describeClient } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';

import { LoginUseCase } from './login.use-case';

/** passport-local: email + password in, the verified user out (as req.user). */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly login: LoginUseCase) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false });
  }

  async validate(req: FastifyRequest, email: string, password: string) {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const { user } = await this.login.verifyCredentials(email, password, client);
    return user;
  }
}
