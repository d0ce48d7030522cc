import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';

import { ExportRunner, RunExportJob } from './export-runner';
import { EXPORTS_QUEUE, RUN_EXPORT_JOB } from './exports.constants';

/** The exports queue's jobs: bull runs it on Redis, the in-process driver without. */
@Processor(EXPORTS_QUEUE)
export class ExportQueueProcessor {
  constructor(private readonly runner: ExportRunner) {}

  @Process({ name: RUN_EXPORT_JOB, concurrency: 2 })
  async run(job: Job<RunExportJob>): Promise<void> {
    await this.runner.run(job.data.exportId, job.data.generation);
  }
}
