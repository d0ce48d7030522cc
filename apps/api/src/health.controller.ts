import { Public } from '@latchkey/auth';
import { QueueDriver } from '@latchkey/core';
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueDriver,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'The process is up' })
  health() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Database and queue are reachable' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [database, queue] = await Promise.all([
      this.dataSource
        .query('SELECT 1')
        .then(() => true)
        .catch(() => false),
      this.queue.ping(),
    ]);
    const ok = database && queue;
    if (!ok) {
      void reply.status(503);
    }
    return {
      status: ok ? 'ready' : 'unavailable',
      checks: { database: database ? 'up' : 'down', queue: queue ? 'up' : 'down' },
      queueDriver: this.queue.kind,
    };
  }
}
