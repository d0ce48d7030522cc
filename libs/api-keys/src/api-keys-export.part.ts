import { DataExportPart, DataExportParts, DataExportSink, isoTime, keysetRows } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  id: string;
  at_key: string;
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
export class ApiKeysExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'api-keys';
  readonly tables = ['api_keys'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1`, [userId]);
    return n;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = keysetRows<Row, unknown>(
      (last, limit) =>
        this.dataSource.query(
          `SELECT id, created_at::text AS at_key, name, prefix, scopes, account_id, role_cap, created_at, expires_at,
                  last_used_at, last_used_ip, revoked_at
             FROM api_keys WHERE user_id = $1 ${last ? 'AND (created_at, id) < ($3::timestamptz, $4::uuid)' : ''}
            ORDER BY created_at DESC, id DESC LIMIT $2`,
          last ? [userId, limit, last.at_key, last.id] : [userId, limit],
        ),
      (r) => ({
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
      }),
    );
    await sink.rows('api-keys', rows);
  }
}
