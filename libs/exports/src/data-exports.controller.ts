import { ApiProblem, CurrentUser, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { DataExportsService } from './data-exports.service';
import { DataExportDto, DataExportListDto, StartExportDto } from './dto/data-export.dto';

const START_SUMMARY =
  'Export all your data: starts a job that writes one zip of JSON files by area (reauth: a sign-in in the last 5 minutes, or the password and a code with 2FA); once per 24 hours';

@ApiTags('me')
@SessionOnly()
@Controller('me')
export class DataExportsController {
  constructor(private readonly exports: DataExportsService) {}

  @Post('exports')
  @HttpCode(202)
  @ApiOperation({ summary: START_SUMMARY })
  @ApiAcceptedResponse({ type: DataExportDto })
  @ApiProblem(403, 'Proof required (REAUTH_REQUIRED): send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'One export per 24 hours (EXPORT_LIMITED, with Retry-After), or too many wrong passwords or codes')
  start(@CurrentUser() p: UserPrincipal, @Body() body: StartExportDto): Promise<DataExportDto> {
    return this.exports.start(p, body ?? {});
  }

  /** The path API.md names; the same as POST /me/exports. */
  @Post('export')
  @HttpCode(202)
  @ApiOperation({ summary: `${START_SUMMARY}. The same as POST /api/v1/me/exports` })
  @ApiAcceptedResponse({ type: DataExportDto })
  @ApiProblem(403, 'Proof required (REAUTH_REQUIRED): send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'One export per 24 hours (EXPORT_LIMITED, with Retry-After), or too many wrong passwords or codes')
  startAlias(@CurrentUser() p: UserPrincipal, @Body() body: StartExportDto): Promise<DataExportDto> {
    return this.exports.start(p, body ?? {});
  }

  @Get('exports')
  @ApiOperation({ summary: 'Your recent data exports, newest first' })
  @ApiOkResponse({ type: DataExportListDto })
  async list(@CurrentUser() p: UserPrincipal): Promise<DataExportListDto> {
    return { items: await this.exports.list(p.userId), nextCursor: null };
  }

  @Get('exports/:id')
  @ApiOperation({ summary: 'One export: state, percent done and the part being written' })
  @ApiOkResponse({ type: DataExportDto })
  @ApiProblem(404, 'No such export of yours')
  get(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<DataExportDto> {
    return this.exports.get(p.userId, id);
  }

  @Get('exports/:id/download')
  @ApiOperation({ summary: 'Download the zip of a ready export (your session only)' })
  @ApiOkResponse({ description: 'The zip', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblem(404, 'No such export of yours')
  @ApiProblem(409, 'The export is not ready yet (EXPORT_NOT_READY)')
  @ApiProblem(410, 'The file was deleted 7 days after it was made (EXPORT_EXPIRED)')
  async download(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.exports.download(p.userId, id);
    const day = file.createdAt.toISOString().slice(0, 10);
    void reply.header('Content-Type', 'application/zip').header('Content-Disposition', `attachment; filename="latchkey-export-${day}.zip"`);
    if (file.size !== null) {
      void reply.header('Content-Length', String(file.size));
    }
    void reply.header('X-Content-Type-Options', 'nosniff').send(file.stream);
  }
}
