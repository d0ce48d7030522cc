import { Clock } from '@latchkey/core';
import { Logger } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';

import { WIPED_PAYLOAD_SQL } from './outbox-secrets';

/** The raw pg client under a TypeORM query runner: its query() writes to the socket before returning when it is idle. */
interface PgClient {
  query(sql: string, params: unknown[]): Promise<unknown>;
  readyForQuery?: boolean;
}

interface Waiting {
  id: string;
  /** The row's `attempts` as this worker's claim set it: the claim the UPDATE may record (not a later one of the row). */
  attempt: number;
  /** Writes the message's body with its final dot; false when the connection is gone (nothing written). */
  writeDot: () => boolean;
  /** Told whether the row was recorded delivered with its dot. */
  recorded: (yes: boolean) => void;
}

/**
 * Dots written per UPDATE. A kill in the middle of a flush resends the dots already written
 * in it, about (dots per second) x (one socket write) x STAMP_BATCH / 2 per kill: uncapped, a heavy
 * stream made batches of tens and 0.4 resends per kill; the rest waits one
 * round trip for the next UPDATE.
 */
const STAMP_BATCH = 8;

/**
 * Closes the crash window of email: a message's body and final dot are written to the SMTP
 * socket in the same synchronous step as an UPDATE recording its still 'sending' row delivered
 * (status, `delivered_at`, its token links wiped) is written to PostgreSQL, on a connection of
 * its own that is idle at that moment (so pg writes it at once rather than queueing it). Bytes a
 * process wrote reach the other end even if it is SIGKILLed the next instant, and PostgreSQL runs
 * a statement it received whether or not its client is still there. So a dead worker's row either
 * reads delivered and had its dot sent, or is still 'sending' and never reached the server's final
 * dot (the server dropped the unfinished message), and OutboxRelay.reclaim sends it again. What is
 * left: a kill after some dots of a flush and before its UPDATE is written (a few socket writes,
 * but the writes wake the SMTP server and on a busy machine the worker is often preempted right
 * there for milliseconds): those messages go out twice, with the same Message-ID for a receiver to
 * drop; and a server that refuses a message after its dot while the worker dies (the row reads
 * delivered).
 *
 * This UPDATE is the row's delivered mark: the server's reply then needs no second write of the
 * row (one non-HOT row update per message fewer than a separate stamp and mark, measured in
 * bench/README.md). A live worker that gets a refusal after the dot puts the row back with the
 * sealed links it read (DeliveryProcessor.giveBack). `hand` resolves to whether the row was recorded;
 * when it was not (PGlite, the connection down, the row locked by a reclaim), the worker marks it
 * after the reply as for any channel (DeliveredMarks).
 *
 * Messages whose body is ready while the previous UPDATE is in flight wait for it (one round trip
 * at most) and go out together with one UPDATE. On PGlite (one connection, no other process to
 * take over) and while the connection is down, the dot goes out at once.
 */
export class HandedMarks {
  private readonly logger = new Logger(HandedMarks.name);
  private readonly server: boolean;
  private runner?: QueryRunner;
  private client?: PgClient;
  private connecting?: Promise<void>;
  private waiting: Waiting[] = [];
  private busy = false;
  private closed = false;

  /** `workerId`: this process's WorkerLease; only rows it holds are recorded, and a recorded row keeps its name. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly workerId: string,
  ) {
    const options = dataSource.options as { url?: string; type?: string } | undefined;
    this.server = Boolean(options?.url) && options?.type === 'postgres';
  }

  /**
   * Called by the SMTP connection once MAIL, RCPT and DATA were accepted; writes the dot now or
   * with the next UPDATE. Resolves (never rejects) to true once that UPDATE recorded the row
   * delivered.
   */
  hand(id: string, attempt: number, writeDot: () => boolean): Promise<boolean> {
    if (!this.server || this.closed) {
      writeDot();
      return Promise.resolve(false);
    }
    return new Promise<boolean>((recorded) => {
      this.waiting.push({ id, attempt, writeDot, recorded });
      this.flush();
    });
  }

  private flush(): void {
    if (this.busy || this.waiting.length === 0) {
      return;
    }
    const client = this.client;
    if (!client || client.readyForQuery !== true) {
      if (!client) {
        this.connect();
      } else {
        // Not idle (should not happen on a connection only this class uses): do not hold mail on it.
        this.release(this.waiting.splice(0));
      }
      return;
    }
    const batch = this.waiting.splice(0, STAMP_BATCH);
    // The dots first, then the UPDATE, with nothing asynchronous between them.
    const written: Waiting[] = [];
    for (const w of batch) {
      if (w.writeDot()) {
        written.push(w);
      } else {
        w.recorded(false);
      }
    }
    if (written.length === 0) {
      return;
    }
    this.busy = true;
    client
      // Only rows this worker holds under the claim that sent them: a row taken over while the worker was presumed
      // dead belongs to another worker, or to a later claim of this one (the worker registers again under its id).
      // SKIP LOCKED: a row locked now is being taken over (OutboxRelay.reclaim); it is left to the mark after the
      // reply rather than waited on. worker_id and attempts stay: DeliveryProcessor.giveBack finds by them a row a
      // refusal after the dot may reopen.
      .query(
        `UPDATE notification_outbox
            SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_error = NULL, payload = ${WIPED_PAYLOAD_SQL}
          WHERE id IN (SELECT o.id FROM notification_outbox o
                         JOIN unnest($1::uuid[], $4::int[]) AS c(id, attempt) ON c.id = o.id AND c.attempt = o.attempts
                        WHERE o.status = 'sending' AND o.worker_id = $3 FOR UPDATE OF o SKIP LOCKED)
          RETURNING id`,
        [written.map((w) => w.id), this.clock.now(), this.workerId, written.map((w) => w.attempt)],
      )
      .then((result) => {
        const ids = new Set(((result as { rows?: Array<{ id: string }> } | undefined)?.rows ?? []).map((r) => r.id));
        written.forEach((w) => w.recorded(ids.has(w.id)));
      })
      .catch((err: Error) => {
        this.logger.warn(`Could not record ${written.length} handed message(s): ${err.message}`);
        written.forEach((w) => w.recorded(false));
        this.drop();
      })
      .finally(() => {
        this.busy = false;
        this.flush();
      });
  }

  private connect(): void {
    this.connecting ??= (async () => {
      try {
        const runner = this.dataSource.createQueryRunner();
        // Committed as durably as any other write: the worker takes the answer as the row's final mark, and a
        // mark lost with a PostgreSQL crash would leave the row 'sending' under a live worker until it restarts.
        const client = (await runner.connect()) as PgClient;
        this.client = client;
        this.runner = runner;
      } catch (err) {
        this.logger.warn(`No connection for handed marks: ${(err as Error).message}`);
        this.release(this.waiting.splice(0));
      } finally {
        this.connecting = undefined;
      }
      this.flush();
    })();
  }

  /** Without the connection: the dots go out unrecorded (a kill now may send those again). */
  private release(batch: Waiting[]): void {
    for (const w of batch) {
      w.writeDot();
      w.recorded(false);
    }
  }

  private drop(): void {
    void this.runner?.release().catch(() => undefined);
    this.runner = undefined;
    this.client = undefined;
  }

  close(): void {
    this.closed = true;
    this.release(this.waiting.splice(0));
    this.drop();
  }
}
