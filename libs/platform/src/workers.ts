import { DeletionSweep } from '@latchkey/accounts';
import { QueueDriver } from '@latchkey/core';
import { ExportRunner } from '@latchkey/exports';
import { OutboxRelay } from '@latchkey/notifications';
import { INestApplicationContext } from '@nestjs/common';

/**
 * Checks that the job processors run here (a process built with `processJobs`, or the in-process
 * queue) and starts the outbox relay, the export sweep and the deletion sweep in this process (the worker, or `npm start`).
 */
export async function startWorkers(app: INestApplicationContext): Promise<void> {
  await app.get(QueueDriver).startProcessing();
  app.get(OutboxRelay).start();
  app.get(ExportRunner).start();
  app.get(DeletionSweep).startSweeping();
}
