import { Lifecycle, Public, QueueDriver } from '@latchkey/core';
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';

class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

class ReadyChecksDto {
  @ApiPropertyOptional({ enum: ['up', 'down'] }) database?: 'up' | 'down';
  @ApiPropertyOptional({ enum: ['up', 'down'] }) queue?: 'up' | 'down';
}

class ReadyDto {
  @ApiProperty({ enum: ['ready', 'degraded', 'unavailable', 'draining'] }) status: 'ready' | 'degraded' | 'unavailable' | 'draining';
  @ApiProperty({ type: ReadyChecksDto, description: 'Empty while draining' }) checks: ReadyChecksDto;
  @ApiProperty({ enum: ['bull', 'in-process'] }) queueDriver: 'bull' | 'in-process';
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueDriver,
    private readonly lifecycle: Lifecycle,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ type: HealthDto })
  health(): HealthDto {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Ready to serve: 200 while the database is reachable (status "degraded" when only the queue is down: requests still work, notifications wait in the outbox); 503 when the database is down or the process is draining',
  })
  @ApiOkResponse({ type: ReadyDto })
  @ApiResponse({ status: 503, description: 'The database is unreachable, or the process is draining after SIGTERM', type: ReadyDto })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadyDto> {
    if (this.lifecycle.draining) {
      void reply.status(503);
      return { status: 'draining', checks: {}, queueDriver: this.queue.kind };
    }
    const [database, queue] = await Promise.all([
      this.dataSource
        .query('SELECT 1')
        .then(() => true)
        .catch(() => false),
      this.queue.ping(),
    ]);
    // Without Redis every request still works (rate limits fall back to PostgreSQL, notifications
    // wait in the outbox), so a queue outage must not take the instance out of the load balancer.
    if (!database) {
      void reply.status(503);
    }
    return {
      status: !database ? 'unavailable' : queue ? 'ready' : 'degraded',
      checks: { database: database ? 'up' : 'down', queue: queue ? 'up' : 'down' },
      queueDriver: this.queue.kind,
    };
  }
}
