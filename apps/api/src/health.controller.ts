import { Public } from '@latchkey/auth';
import { QueueDriver } from '@latchkey/core';
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';

class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

class ReadyChecksDto {
  @ApiProperty({ enum: ['up', 'down'] }) database: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down'] }) queue: 'up' | 'down';
}

class ReadyDto {
  @ApiProperty({ enum: ['ready', 'unavailable'] }) status: 'ready' | 'unavailable';
  @ApiProperty({ type: ReadyChecksDto }) checks: ReadyChecksDto;
  @ApiProperty({ enum: ['bull', 'in-process'] }) queueDriver: 'bull' | 'in-process';
}

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
  @ApiOkResponse({ type: HealthDto })
  health(): HealthDto {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Database and queue are reachable' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiResponse({ status: 503, description: 'The database or the queue is unreachable', type: ReadyDto })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadyDto> {
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
