import { createValidationPipe } from '@latchkey/core';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import passport from 'passport';

import { authError } from '../auth.exception';
import { LoginDto } from '../dto/auth.dto';
import { LocalStrategy } from '../local.strategy';

const validation = createValidationPipe();

/**
 * Runs this app's passport-local strategy. Guards run before pipes, so the body is validated
 * here first: a malformed sign-in gets the same 400 naming its fields as every other route.
 * The strategy instance is passed to passport directly (not looked up by name in passport's
 * process-wide registry), so two app instances in one process never use each other's.
 */
@Injectable()
export class LocalAuthGuard implements CanActivate {
  constructor(private readonly strategy: LocalStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<{ body: unknown; user?: unknown }>();
    req.body = await validation.transform(req.body ?? {}, { type: 'body', metatype: LoginDto });
    req.user = await new Promise((resolve, reject) => {
      const run = passport.authenticate(
        Object.create(this.strategy) as passport.Strategy,
        { session: false },
        (err: unknown, user: unknown) => {
          if (err) {
            reject(err);
          } else if (!user) {
            reject(authError('INVALID_CREDENTIALS', 'The email or password is not right.'));
          } else {
            resolve(user);
          }
        },
      ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
      run(req, http.getResponse(), (err?: unknown) => reject(err ?? new Error('passport called next() without a result')));
    });
    return true;
  }
}
