import { DataExportPart, DataExportParts, DataExportSink, isoTime, keysetRows } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  seq: string;
  purpose: string;
  granted: boolean;
  source: string;
  ip: string | null;
  user_agent: string | null;
  occurred_at: Date;
}

/** Every consent change (what, granted or withdrawn, when, from where), oldest first. */
@Injectable()
export class ConsentExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'consent-records';
  readonly tables = ['consent_records'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM consent_records WHERE user_id = $1`, [userId]);
    return n;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = keysetRows<Row, unknown>(
      (last, limit) =>
        this.dataSource.query(
          `SELECT seq::text AS seq, purpose, granted, source, ip, user_agent, occurred_at
             FROM consent_records WHERE user_id = $1 ${last ? 'AND seq > $3::bigint' : ''}
            ORDER BY seq LIMIT $2`,
          last ? [userId, limit, last.seq] : [userId, limit],
        ),
      (r) => ({
        purpose: r.purpose,
        granted: r.granted,
        source: r.source,
        ip: r.ip,
        userAgent: r.user_agent,
        occurredAt: isoTime(r.occurred_at),
      }),
    );
    await sink.rows('consent-records', rows);
  }
}
