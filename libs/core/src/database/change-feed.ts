import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';

import { DATABASE_TARGET } from './database.tokens';
import type { DatabaseTarget } from './data-source-options';

export const CHANGE_CHANNEL = 'latchkey_changes';

type Listener = (event: { kind: 'user'; id: string } | { kind: 'reset' }) => void;

/**
 * LISTENs on PostgreSQL for committed changes to users and sessions (see the ChangeFeed
 * migration). `live` is true only while the listening connection is up: callers must not
 * trust a cache while it is false, because a missed notification would go unnoticed.
 * On the embedded PGlite (one process) there is no feed and `live` stays false.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly listeners = new Set<Listener>();
  private client?: Client;
  private closed = false;
  private retryMs = 500;
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
  heard(userId: string, timeoutMs = 250): Promise<void> {
    if (!this.live) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const unsubscribe = this.subscribe((event) => {
        if (event.kind === 'reset' || event.id === userId) {
          done();
        }
      });
      function done() {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
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
    const client = new Client({ connectionString: this.target.url, application_name: 'latchkey-change-feed' });
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
