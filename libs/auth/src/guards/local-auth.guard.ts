import { createValidationPipe } from '@latchkey/core';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

import { LoginDto } from '../dto/auth.dto';

const validation = createValidationPipe();

/**
 * Guards run before pipes, so the body is validated here first: a malformed sign-in gets the
 * same 400 naming its fields as every other route, not passport's bare 401.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ body: unknown }>();
    req.body = await validation.transform(req.body ?? {}, { type: 'body', metatype: LoginDto });
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) {
      throw err;
    }
    return user;
  }
}
