import { JobQueueDefinition } from '@latchkey/core';
import { Module } from '@nestjs/common';

import { DataExportsController } from './data-exports.controller';
import { DataExportsRepository } from './data-exports.repository';
import { DataExportsService } from './data-exports.service';
import { ExportQueueProcessor } from './export-queue.processor';
import { ExportRunner } from './export-runner';
import { ExportStorage, FilesystemExportStorage } from './export-storage';
import { EXPORTS_QUEUE } from './exports.constants';

/**
 * Data exports: the routes, the job that writes the zip from every lib's registered part
 * (`DataExportParts` in core), the storage port and the sweep. Import it after the libs whose
 * parts it writes (the app and the worker import every lib).
 */
@Module({
  providers: [DataExportsRepository, DataExportsService, ExportRunner, { provide: ExportStorage, useClass: FilesystemExportStorage }],
  exports: [DataExportsService, ExportRunner, ExportStorage],
})
export class ExportsModule {}

/** The export routes, for the API only. */
@Module({ imports: [ExportsModule], controllers: [DataExportsController] })
export class ExportsHttpModule {}

/** The exports queue (registered by the platform: JobQueueModule); its processor runs ExportRunner's jobs. */
export const EXPORTS_JOB_QUEUE: JobQueueDefinition = { name: EXPORTS_QUEUE, processors: [ExportQueueProcessor], imports: [ExportsModule] };
