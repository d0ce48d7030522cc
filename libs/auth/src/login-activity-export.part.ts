import { DataExportPart, DataExportParts, DataExportSink, countRows, isoTime, newestFirst } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
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
    return countRows(this.dataSource, userId, ['login_activity']);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = newestFirst<Row, unknown>(
      this.dataSource,
      {
        table: 'login_activity',
        columns: 'occurred_at, outcome, reason, ip, user_agent, browser, os, device_type, location',
        time: 'occurred_at',
      },
      userId,
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
