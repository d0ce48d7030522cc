import { DataExportPart, DataExportParts, DataExportSink, isoTime, keysetRows } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  id: string;
  at_key: string;
  occurred_at: Date;
  outcome: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  location: string | null;
}

/** Every sign-in attempt on the account, newest first, in keyset batches (a user may have hundreds of thousands). */
@Injectable()
export class LoginActivityExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'login-activity';
  readonly tables = ['login_activity'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM login_activity WHERE user_id = $1`, [userId]);
    return n;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = keysetRows<Row, unknown>(
      (last, limit) =>
        this.dataSource.query(
          `SELECT id, occurred_at::text AS at_key, occurred_at, outcome, reason, ip, user_agent, browser, os, device_type, location
             FROM login_activity WHERE user_id = $1 ${last ? 'AND (occurred_at, id) < ($3::timestamptz, $4::uuid)' : ''}
            ORDER BY occurred_at DESC, id DESC LIMIT $2`,
          last ? [userId, limit, last.at_key, last.id] : [userId, limit],
        ),
      (r) => ({
        id: r.id,
        occurredAt: isoTime(r.occurred_at),
        outcome: r.outcome,
        reason: r.reason,
        ip: r.ip,
        userAgent: r.user_agent,
        browser: r.browser,
        os: r.os,
        deviceType: r.device_type,
        location: r.location,
      }),
    );
    await sink.rows('login-activity', rows);
  }
}
