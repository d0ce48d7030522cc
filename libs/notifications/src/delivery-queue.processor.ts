import { OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';

import { DeliverJob, DeliveryProcessor, deliverJobIds } from './delivery.processor';
import { DELIVER_JOB, NOTIFICATIONS_QUEUE } from './notifications.constants';

/**
 * The notifications queue's jobs: bull runs it on Redis, the in-process driver without. A batch
 * that failed its last attempt becomes a dead letter (only the rows it gave back).
 */
@Processor(NOTIFICATIONS_QUEUE)
export class DeliveryQueueProcessor {
  private readonly logger = new Logger(DeliveryQueueProcessor.name);

  constructor(private readonly delivery: DeliveryProcessor) {}

  @Process({ name: DELIVER_JOB, concurrency: 8 })
  async deliver(job: Job<DeliverJob>): Promise<void> {
    await this.delivery.deliverBatch(deliverJobIds(job.data));
  }

  @OnQueueFailed()
  async failed(job: Job<DeliverJob>, error: Error): Promise<void> {
    if (job.name !== DELIVER_JOB || job.attemptsMade < (job.opts.attempts ?? 1)) {
      return;
    }
    await this.delivery
      .deadLetter(deliverJobIds(job.data), error)
      .catch((e: Error) => this.logger.error(`Dead-letter hook failed: ${e.message}`));
  }
}
