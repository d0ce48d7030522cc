import { OneTableExportPart, isoTime } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

interface Row {
  name: string;
  prefix: string;
  scopes: string[];
  account_id: string | null;
  role_cap: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
  revoked_at: Date | null;
}

/** Every API key of the user, revoked ones included; never the secret's hash. */
@Injectable()
export class ApiKeysExportPart extends OneTableExportPart<Row> {
  readonly area = 'api-keys';
  protected readonly source = {
    table: 'api_keys',
    columns: 'name, prefix, scopes, account_id, role_cap, created_at, expires_at, last_used_at, last_used_ip, revoked_at',
    time: 'created_at',
  };

  protected toJson(r: Row & { id: string }) {
    return {
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      scopes: r.scopes,
      accountId: r.account_id,
      roleCap: r.role_cap,
      createdAt: isoTime(r.created_at),
      expiresAt: isoTime(r.expires_at),
      lastUsedAt: isoTime(r.last_used_at),
      lastUsedIp: r.last_used_ip,
      revokedAt: isoTime(r.revoked_at),
    };
  }
}
