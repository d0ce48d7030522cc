import { Logger } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';

/** The raw pg client under a TypeORM query runner: its query() writes to the socket before returning when it is idle. */
interface PgClient {
  query(sql: string, params: unknown[]): Promise<unknown>;
  readyForQuery?: boolean;
}

interface Waiting {
  id: string;
  /** Writes the message's body with its final dot; false when the connection is gone (nothing written). */
  writeDot: () => boolean;
}

/**
 * Dots written per stamp UPDATE. A kill in the middle of a flush resends the dots already written
 * in it, about (dots per second) x (one socket write) x STAMP_BATCH / 2 per kill: uncapped, a heavy
 * stream made batches of tens and 0.4 resends per kill; the rest waits one (asynchronous-commit)
 * round trip for the next UPDATE.
 */
const STAMP_BATCH = 8;

/**
 * Closes the crash window of email: a message's body and final dot are written to the SMTP
 * socket in the same synchronous step as an UPDATE stamping `delivered_at` on its still
 * 'sending' row is written to PostgreSQL, on a connection of its own that is idle at that
 * moment (so pg writes it at once rather than queueing it). Bytes a process wrote reach the other
 * end even if it is SIGKILLed the next instant, and PostgreSQL runs a statement it received
 * whether or not its client is still there. So a dead worker's 'sending' row with `delivered_at`
 * set has had its dot sent, and OutboxRelay.reclaim records it delivered instead of sending it
 * again; a row without it never reached the server's final dot and is sent again (the server
 * dropped the unfinished message). What is left: a kill after some dots of a flush and before its
 * UPDATE is written (a few socket writes, but the writes wake the SMTP server and on a busy machine
 * the worker is often preempted right there for milliseconds): those messages go out twice, with
 * the same Message-ID for a receiver to drop; and a server that refuses a message after its dot
 * while the worker dies (the row reads delivered). A live worker still records the
 * server's answer (DeliveredMarks; a refusal clears `delivered_at`).
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

  constructor(private readonly dataSource: DataSource) {
    const options = dataSource.options as { url?: string; type?: string } | undefined;
    this.server = Boolean(options?.url) && options?.type === 'postgres';
  }

  /** Called by the SMTP connection once MAIL, RCPT and DATA were accepted; writes the dot now or with the next UPDATE. */
  hand(id: string, writeDot: () => boolean): void {
    if (!this.server || this.closed) {
      writeDot();
      return;
    }
    this.waiting.push({ id, writeDot });
    this.flush();
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
    const ids = batch.filter((w) => w.writeDot()).map((w) => w.id);
    if (ids.length === 0) {
      return;
    }
    this.busy = true;
    client
      // SKIP LOCKED: a row locked now is being marked delivered (DeliveredMarks) and needs no stamp; waiting on
      // it could deadlock with that UPDATE, which locks the same rows in another order.
      .query(
        `UPDATE notification_outbox SET delivered_at = now()
          WHERE id IN (SELECT id FROM notification_outbox WHERE id = ANY($1::uuid[]) AND status = 'sending' FOR UPDATE SKIP LOCKED)`,
        [ids],
      )
      .catch((err: Error) => {
        this.logger.warn(`Could not record ${ids.length} handed message(s): ${err.message}`);
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
        const client = (await runner.connect()) as PgClient;
        // A mark lost with a PostgreSQL crash costs a resend, never a loss: no need to wait for the WAL flush,
        // which would hold every waiting dot for a disk write.
        await client.query(`SET synchronous_commit = off`, []);
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
