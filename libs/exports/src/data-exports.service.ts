import { Readable } from 'node:stream';

import { AuditService } from '@latchkey/audit';
import { ReauthService } from '@latchkey/auth';
import { Clock, UserPrincipal, SecretBox } from '@latchkey/core';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DataExportRow, DataExportsRepository } from './data-exports.repository';
import { DataExportDto, StartExportDto } from './dto/data-export.dto';
import { ExportDecryptor } from './export-cipher';
import { ExportRunner } from './export-runner';
import { ExportStorage } from './export-storage';
import { EXPORT_LIST_LIMIT, EXPORT_QUEUE_LEASE_MS, EXPORT_WINDOW_MS, ExportsAuditAction } from './exports.constants';
import { exportsError } from './exports.exception';

/**
 * The user's side of data exports: start one (reauth, one per 24 hours), follow it, download it.
 * Another user's export answers exactly like one that does not exist (404), whatever its state.
 */
@Injectable()
export class DataExportsService {
  private readonly logger = new Logger(DataExportsService.name);

  constructor(
    private readonly repo: DataExportsRepository,
    private readonly runner: ExportRunner,
    private readonly storage: ExportStorage,
    private readonly secrets: SecretBox,
    private readonly reauth: ReauthService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
  ) {}

  async start(principal: UserPrincipal, proof: StartExportDto): Promise<DataExportDto> {
    const reauthenticated = await this.reauth.assert(principal, proof);
    const now = this.clock.now();
    const row = await this.dataSource.transaction(async (m) => {
      await this.repo.lockUser(principal.userId, m);
      const recent = await this.repo.countedSince(principal.userId, new Date(now.getTime() - EXPORT_WINDOW_MS), m);
      if (recent.length > 0) {
        const retryAfterSeconds = Math.max(1, Math.ceil((recent[0].getTime() + EXPORT_WINDOW_MS - now.getTime()) / 1000));
        throw exportsError('EXPORT_LIMITED', 'You can export your data once every 24 hours.', { retryAfterSeconds });
      }
      await reauthenticated.spend(m);
      const inserted = await this.repo.insert(principal.userId, now, new Date(now.getTime() + EXPORT_QUEUE_LEASE_MS), m);
      await this.audit.record(
        {
          action: ExportsAuditAction.ExportRequested,
          actorUserId: principal.userId,
          subjectUserId: principal.userId,
          metadata: { exportId: inserted.id },
        },
        m,
      );
      return inserted;
    });
    // After the commit: the job finds its row. If the queue refuses it, the sweep queues it again.
    await this.runner.enqueue(row.id, row.generation).catch((err: Error) => {
      this.logger.warn(`Export ${row.id} waits for the sweep, the queue refused it: ${err.message}`);
    });
    return this.toDto(row);
  }

  async get(userId: string, id: string): Promise<DataExportDto> {
    return this.toDto(await this.find(userId, id));
  }

  async list(userId: string): Promise<DataExportDto[]> {
    return (await this.repo.listForUser(userId, EXPORT_LIST_LIMIT)).map((r) => this.toDto(r));
  }

  /** The decrypted zip, streamed; only its owner, only while ready. */
  async download(userId: string, id: string): Promise<{ stream: Readable; size: number | null; createdAt: Date }> {
    const row = await this.find(userId, id);
    if (row.state === 'expired') {
      throw exportsError('EXPORT_EXPIRED', 'This export was deleted 7 days after it was made: start a new one.');
    }
    if (row.state !== 'ready' || !row.storageKey) {
      throw exportsError('EXPORT_NOT_READY', 'This export is not ready yet.');
    }
    const file = await this.storage.open(row.storageKey);
    if (!file) {
      throw exportsError('EXPORT_EXPIRED', 'This export file is gone: start a new one.');
    }
    await this.audit.record({
      action: ExportsAuditAction.ExportDownloaded,
      actorUserId: userId,
      subjectUserId: userId,
      metadata: { exportId: id },
    });
    const decryptor = new ExportDecryptor(this.secrets, row.id);
    file.on('error', (err) => decryptor.destroy(err));
    return { stream: file.pipe(decryptor), size: row.sizeBytes, createdAt: row.createdAt };
  }

  private async find(userId: string, id: string): Promise<DataExportRow> {
    const row = await this.repo.findForUser(userId, id);
    if (!row) {
      throw exportsError('EXPORT_NOT_FOUND', 'No such export.');
    }
    return row;
  }

  private toDto(row: DataExportRow): DataExportDto {
    return {
      id: row.id,
      state: row.state,
      progress: row.state === 'ready' ? 100 : row.progress,
      stage: row.state === 'running' || row.state === 'queued' ? row.stage : null,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      expiresAt: row.expiresAt,
      sizeBytes: row.sizeBytes,
      downloadUrl: row.state === 'ready' ? `/api/v1/me/exports/${row.id}/download` : null,
    };
  }
}
