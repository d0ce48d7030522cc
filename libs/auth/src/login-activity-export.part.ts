import { OneTableExportPart, isoTime } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

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
export class LoginActivityExportPart extends OneTableExportPart<Row> {
  readonly area = 'login-activity';
  protected readonly source = {
    table: 'login_activity',
    columns: 'occurred_at, outcome, reason, ip, user_agent, browser, os, device_type, location',
    time: 'occurred_at',
  };

  protected toJson(r: Row & { id: string }) {
    return {
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
    };
  }
}
