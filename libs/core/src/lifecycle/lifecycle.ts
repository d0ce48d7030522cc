import { Injectable } from '@nestjs/common';

/**
 * Where the process is in its life. After SIGTERM the API keeps serving while /ready answers 503,
 * so a load balancer stops sending new requests before the listener closes (see apps/api main).
 */
@Injectable()
export class Lifecycle {
  draining = false;
}
