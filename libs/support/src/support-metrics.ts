import { Metrics } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { TICKET_STATES } from './ticket-state';

@Injectable()
export class SupportMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.metrics.gauge({
      name: 'latchkey_support_tickets',
      help: 'Support tickets by state',
      labelNames: ['state'],
      collect: async () => {
        const rows: Array<{ state: string; n: number }> = await this.dataSource.query(
          `SELECT state, count(*)::int AS n FROM support_tickets GROUP BY state`,
        );
        return TICKET_STATES.map((state) => ({ labels: { state }, value: rows.find((r) => r.state === state)?.n ?? 0 }));
      },
    });
  }
}
