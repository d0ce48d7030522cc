import { DataExportPart, DataExportParts, DataExportSink, countRows, isoTime, newestFirst } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  created_at: Date;
  last_active_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  restriction: string | null;
  reauthenticated_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  location: string | null;
}

/** Every session, ended ones included, in the data export; never the token hash. */
@Injectable()
export class SessionsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'sessions';
  readonly tables = ['sessions'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    return countRows(this.dataSource, userId, ['sessions']);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = newestFirst<Row, unknown>(
      this.dataSource,
      {
        table: 'sessions',
        columns: `created_at, last_active_at, expires_at, revoked_at, revoked_reason, restriction, reauthenticated_at, ip,
                  user_agent, browser, os, device_type, location`,
        time: 'created_at',
      },
      userId,
      (r) => ({
        id: r.id,
        createdAt: isoTime(r.created_at),
        lastActiveAt: isoTime(r.last_active_at),
        expiresAt: isoTime(r.expires_at),
        revokedAt: isoTime(r.revoked_at),
        revokedReason: r.revoked_reason,
        restriction: r.restriction,
        reauthenticatedAt: isoTime(r.reauthenticated_at),
        ip: r.ip,
        userAgent: r.user_agent,
        browser: r.browser,
        os: r.os,
        deviceType: r.device_type,
        location: r.location,
      }),
    );
    await sink.rows('sessions', rows);
  }
}
