import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';

import { DATABASE_TARGET } from './database.tokens';
import type { DatabaseTarget } from './data-source-options';

export const CHANGE_CHANNEL = 'latchkey_changes';
const LISTENER_NAME = 'latchkey-change-feed';
const SYNC_TIMEOUT_MS = 2000;

type Listener = (event: { kind: 'user'; id: string } | { kind: 'reset' }) => void;

/**
 * LISTENs on PostgreSQL for committed changes to users and sessions (see the ChangeFeed
 * migration). `live` is true only while the listening connection is up: callers must not
 * trust a cache while it is false, because a missed notification would go unnoticed.
 * On the embedded PGlite (one process) there is no feed and `live` stays false.
 *
 * `heard(userId)` lets a revocation answer only once every instance has dropped the user's
 * cached sessions: after this instance hears the change, it broadcasts a sync token on the same
 * channel; PostgreSQL delivers notifications to each listener in commit order, so an instance
 * that acknowledges the token has already processed the change. It waits for an ack from every
 * listening connection of this database (pg_stat_activity), up to SYNC_TIMEOUT_MS.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly listeners = new Set<Listener>();
  private client?: Client;
  private closed = false;
  private retryMs = 500;
  private readonly instanceId = randomUUID();
  private readonly syncs = new Map<string, { acks: Set<string>; expected: number; done: () => void }>();
  live = false;

  constructor(@Inject(DATABASE_TARGET) private readonly target: DatabaseTarget) {}

  onModuleInit() {
    if (this.target.url) {
      void this.connect();
    }
  }

  /**
   * Resolves once this instance has heard the change for the user (so PostgreSQL has committed
   * it and signalled every listener), or after the timeout. Resolves at once when not live.
   */
  heard(userId: string, timeoutMs = 1000): Promise<void> {
    if (!this.live) {
      return Promise.resolve();
    }
    const own = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const unsubscribe = this.subscribe((event) => {
        if (event.kind === 'reset' || event.id === userId) {
          done(event.kind !== 'reset');
        }
      });
      function done(heard: boolean) {
        clearTimeout(timer);
        unsubscribe();
        resolve(heard);
      }
    });
    return own.then((heard) => (heard ? this.sync() : undefined));
  }

  /** Resolves when every listening instance has processed everything committed before this call. */
  private async sync(): Promise<void> {
    const client = this.client;
    if (!client || !this.live) {
      return;
    }
    const token = randomUUID();
    try {
      const [{ n }] = (
        await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [
          LISTENER_NAME,
        ])
      ).rows as Array<{ n: number }>;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const s = this.syncs.get(token);
          this.syncs.delete(token);
          this.logger.warn(`Change feed: ${s?.acks.size ?? 0} of ${n} instances acknowledged within ${SYNC_TIMEOUT_MS} ms`);
          resolve();
        }, SYNC_TIMEOUT_MS);
        this.syncs.set(token, {
          acks: new Set(),
          expected: n,
          done: () => {
            clearTimeout(timer);
            this.syncs.delete(token);
            resolve();
          },
        });
        client.query(`SELECT pg_notify($1, $2)`, [CHANGE_CHANNEL, `sync:${token}`]).catch(() => this.syncs.get(token)?.done());
      });
    } catch (err) {
      this.logger.warn(`Change feed sync failed: ${(err as Error).message}`);
    }
  }

  private onSync(token: string, client: Client) {
    client.query(`SELECT pg_notify($1, $2)`, [CHANGE_CHANNEL, `ack:${token}:${this.instanceId}`]).catch(() => undefined);
  }

  private onAck(token: string, instance: string) {
    const s = this.syncs.get(token);
    if (s) {
      s.acks.add(instance);
      if (s.acks.size >= s.expected) {
        s.done();
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: Parameters<Listener>[0]) {
    for (const l of this.listeners) {
      l(event);
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) {
      return;
    }
    const client = new Client({ connectionString: this.target.url, application_name: LISTENER_NAME });
    const down = () => {
      if (this.client !== client) {
        return;
      }
      this.client = undefined;
      this.live = false;
      this.emit({ kind: 'reset' });
      if (!this.closed) {
        setTimeout(() => void this.connect(), this.retryMs).unref();
        this.retryMs = Math.min(this.retryMs * 2, 10_000);
      }
    };
    client.on('notification', (msg) => {
      const payload = msg.payload ?? '';
      if (payload.startsWith('user:')) {
        this.emit({ kind: 'user', id: payload.slice(5) });
      } else if (payload.startsWith('sync:')) {
        this.onSync(payload.slice(5), client);
      } else if (payload.startsWith('ack:')) {
        const [token, instance] = payload.slice(4).split(':');
        this.onAck(token, instance);
      }
    });
    client.on('error', (err) => {
      this.logger.warn(`Change feed connection: ${err.message}`);
      down();
    });
    client.on('end', down);
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      this.retryMs = 500;
      this.live = true;
    } catch (err) {
      this.logger.warn(`Change feed unavailable: ${(err as Error).message}`);
      client.end().catch(() => undefined);
      down();
    }
  }

  async onApplicationShutdown() {
    this.closed = true;
    this.live = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
