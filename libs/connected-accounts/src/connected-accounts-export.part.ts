import { DataExportPart, DataExportParts, DataExportSink, countRows, isoTime, newestFirst } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface Row {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  linked_at: Date;
  last_used_at: Date | null;
}

/** Every provider identity linked to the user: who the provider says they are, and when it was used. */
@Injectable()
export class ConnectedAccountsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'connected-accounts';
  readonly tables = ['connected_identities'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(userId: string): Promise<number> {
    return countRows(this.dataSource, userId, ['connected_identities']);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = newestFirst<Row, unknown>(
      this.dataSource,
      {
        table: 'connected_identities',
        columns: 'provider, issuer, subject, email, email_verified, linked_at, last_used_at',
        time: 'linked_at',
      },
      userId,
      (r) => ({
        id: r.id,
        provider: r.provider,
        issuer: r.issuer,
        subject: r.subject,
        email: r.email,
        emailVerified: r.email_verified,
        linkedAt: isoTime(r.linked_at),
        lastUsedAt: isoTime(r.last_used_at),
      }),
    );
    await sink.rows('connected-accounts', rows);
  }
}
