import { Server, createServer } from 'node:http';

import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Labels<T extends string> = Partial<Record<T, string | number>>;

/** A gauge whose value is read when Prometheus scrapes (a database count, a queue depth). */
export interface GaugeSource {
  name: string;
  help: string;
  labelNames?: string[];
  collect(): Promise<Array<{ labels?: Record<string, string>; value: number }>>;
}

/**
 * One Prometheus registry per app instance (several instances share a process in tests). Libs
 * count what they do through the named metrics below, and register gauges read at scrape time
 * for state that lives in the database (outbox backlog, tickets by state).
 */
@Injectable()
export class Metrics {
  private readonly logger = new Logger(Metrics.name);
  readonly registry = new Registry();

  readonly signIns = new Counter({
    name: 'latchkey_sign_ins_total',
    help: 'Sign-in attempts by outcome (success, failure, locked, throttled, mfa_required, mfa_failed, mfa_setup_required)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly secondFactor = new Counter({
    name: 'latchkey_second_factor_total',
    help: 'Second-step answers by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly hashQueueDepth = new Gauge({
    name: 'latchkey_password_hash_queue_depth',
    help: 'Password hashes waiting for a free hashing slot',
    registers: [this.registry],
  });
  readonly hashWait = new Histogram({
    name: 'latchkey_password_hash_wait_seconds',
    help: 'Time a password hash waited for a free slot',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly sessionsRevoked = new Counter({
    name: 'latchkey_sessions_revoked_total',
    help: 'Sessions ended other than by expiry, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'latchkey_notification_deliveries_total',
    help: 'Notification delivery attempts by channel and outcome (delivered, skipped, failed, dead)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Process metrics (CPU, memory, event loop) are left out in tests, where many apps share a process. */
  constructor(processMetrics = true) {
    if (processMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
    }
  }

  count<T extends string>(counter: Counter<T>, labels: Labels<T>, by = 1): void {
    counter.inc(labels as never, by);
  }

  gauge(source: GaugeSource): void {
    const logger = this.logger;
    new Gauge({
      name: source.name,
      help: source.help,
      labelNames: source.labelNames ?? [],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const { labels, value } of await source.collect()) {
            if (labels) {
              this.set(labels, value);
            } else {
              this.set(value);
            }
          }
        } catch (err) {
          logger.warn(`Metric ${source.name} could not be read: ${(err as Error).message}`);
        }
      },
    });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The plain /metrics listener of METRICS_PORT (for workers, or to keep metrics off the public port). */
export function serveMetrics(metrics: Metrics, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.text().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
