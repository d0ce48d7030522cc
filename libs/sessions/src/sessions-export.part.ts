import { OneTableExportPart, isoTime } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

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
export class SessionsExportPart extends OneTableExportPart<Row> {
  readonly area = 'sessions';
  protected readonly source = {
    table: 'sessions',
    columns: `created_at, last_active_at, expires_at, revoked_at, revoked_reason, restriction, reauthenticated_at, ip,
    user_agent, browser, os, device_type, location`,
    time: 'created_at',
  };

  protected toJson(r: Row & { id: string }) {
    return {
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
    };
  }
}
