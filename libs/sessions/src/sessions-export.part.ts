import { DataExportPart, DataExportParts, DataExportSink, isoTime, keysetRows } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  id: string;
  at_key: string;
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
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]);
    return n;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = keysetRows<Row, unknown>(
      (last, limit) =>
        this.dataSource.query(
          `SELECT id, created_at::text AS at_key, created_at, last_active_at, expires_at, revoked_at, revoked_reason, restriction,
                  reauthenticated_at, ip, user_agent, browser, os, device_type, location
             FROM sessions WHERE user_id = $1 ${last ? 'AND (created_at, id) < ($3::timestamptz, $4::uuid)' : ''}
            ORDER BY created_at DESC, id DESC LIMIT $2`,
          last ? [userId, limit, last.at_key, last.id] : [userId, limit],
        ),
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
