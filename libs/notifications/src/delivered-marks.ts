import { Clock } from '@latchkey/core';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { MARK_BATCH_MAX, MARK_FLUSHES, MARK_RETRY_MS } from './notifications.constants';
import { WIPED_PAYLOAD_SQL } from './outbox-secrets';

export type Outcome = 'delivered' | 'skipped';

interface Mark {
  id: string;
  outcome: Outcome;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Records sent messages as delivered, many per UPDATE, without waiting on a timer: a mark goes
 * out the moment an UPDATE slot is free, and marks that arrive while MARK_FLUSHES updates are in
 * flight ride together in the next one. So under load one statement carries tens of rows, and a
 * mark never trails the server's reply by more than about one UPDATE round trip (a few ms; a
 * timer of 20-50 ms would batch more but leave that much longer a window in which a killed
 * worker's accepted mail is sent again). The message is out: a mark the database refuses (a
 * restart) is retried for MARK_RETRY_MS rather than given up, which would let another worker
 * send it a second time.
 */
export class DeliveredMarks {
  private readonly logger = new Logger(DeliveredMarks.name);
  private queue: Mark[] = [];
  private flushing = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Resolves once the row's outcome is committed. */
  mark(id: string, outcome: Outcome): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ id, outcome, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.flushing < MARK_FLUSHES && this.queue.length > 0) {
      const batch = this.queue.splice(0, MARK_BATCH_MAX);
      this.flushing++;
      void this.write(batch).finally(() => {
        this.flushing--;
        this.kick();
      });
    }
  }

  private async write(batch: Mark[]): Promise<void> {
    const deadline = Date.now() + MARK_RETRY_MS;
    for (const outcome of ['delivered', 'skipped'] as const) {
      const marks = batch.filter((m) => m.outcome === outcome);
      if (marks.length === 0) {
        continue;
      }
      for (;;) {
        try {
          await this.dataSource.query(
            `UPDATE notification_outbox SET status = $2, delivered_at = $3, lease_until = NULL, worker_id = NULL, last_error = NULL,
                    payload = ${WIPED_PAYLOAD_SQL}
              WHERE id = ANY($1::uuid[])`,
            [marks.map((m) => m.id), outcome, this.clock.now()],
          );
          marks.forEach((m) => m.resolve());
          break;
        } catch (err) {
          if (Date.now() > deadline) {
            marks.forEach((m) => m.reject(err as Error));
            break;
          }
          this.logger.warn(`Could not mark ${marks.length} notification(s) ${outcome} yet: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }
}
