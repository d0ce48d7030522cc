import { Metrics } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What operators alert on: how much waits in the outbox, for how long, and how much is dead. */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.metrics.gauge({
      name: 'latchkey_outbox_backlog',
      help: 'Notifications committed but not yet delivered, by status (pending, queued, sending)',
      labelNames: ['status'],
      collect: async () => {
        const rows: Array<{ status: string; n: number }> = await this.dataSource.query(
          `SELECT status, count(*)::int AS n FROM notification_outbox WHERE status IN ('pending', 'queued', 'sending') GROUP BY status`,
        );
        return ['pending', 'queued', 'sending'].map((status) => ({
          labels: { status },
          value: rows.find((r) => r.status === status)?.n ?? 0,
        }));
      },
    });
    this.metrics.gauge({
      name: 'latchkey_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered notification (0 when the outbox is empty)',
      collect: async () => {
        const [row]: Array<{ age: number | null }> = await this.dataSource.query(
          `SELECT EXTRACT(EPOCH FROM (now() - min(created_at)))::float8 AS age FROM notification_outbox WHERE status IN ('pending', 'queued', 'sending')`,
        );
        return [{ value: Math.max(0, Number(row?.age ?? 0)) }];
      },
    });
    this.metrics.gauge({
      name: 'latchkey_dead_letters',
      help: 'Notifications that exhausted their retries and wait for a replay',
      collect: async () => {
        const [row]: Array<{ n: number }> = await this.dataSource.query(
          `SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'dead'`,
        );
        return [{ value: row?.n ?? 0 }];
      },
    });
  }
}
