import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { HostEventsService } from '../host-events.service';

/**
 * The host application's SERVICE_TOKEN, checked as a guard so it runs before the body is
 * validated: a caller without the token learns nothing about the event format (401, not 400).
 */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  constructor(private readonly hostEvents: HostEventsService) {}

  canActivate(context: ExecutionContext): boolean {
    const authorization = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    this.hostEvents.authenticate(typeof authorization === 'string' ? authorization : undefined);
    return true;
  }
}
