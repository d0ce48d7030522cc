import { DataExportPart, DataExportParts, DataExportSink, isoTime, keysetRows } from '@latchkey/core';
import { UserView } from '@latchkey/users';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The accounts the user belongs to, with the role, in the data export. */
@Injectable()
export class MembershipsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'memberships';
  readonly tables = ['memberships'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(): Promise<number> {
    return 1;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT m.account_id, a.name, m.role, m.created_at, m.updated_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = $1 ORDER BY m.created_at`,
      [userId],
    );
    await sink.json(
      'memberships',
      rows.map((r) => ({
        accountId: r.account_id,
        accountName: r.name,
        role: r.role,
        joinedAt: isoTime(r.created_at as Date),
        updatedAt: isoTime(r.updated_at as Date),
      })),
    );
  }
}

interface InvitationRow {
  id: string;
  at_key: string;
  account_id: string;
  account_name: string;
  email: string;
  role: string;
  sent: boolean;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

/** Invitations the user sent, accepted, or that were sent to their address; never the token hash. */
@Injectable()
export class InvitationsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'invitations';
  readonly tables = ['invitations'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
    private readonly userView: UserView,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  private get mine(): string {
    return `(i.invited_by_user_id = $1 OR i.accepted_by_user_id = $1 OR lower(i.email) = ${this.userView.lowerEmailOf('$1')})`;
  }

  async count(userId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM invitations i WHERE ${this.mine}`, [userId]);
    return n;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows = keysetRows<InvitationRow, unknown>(
      (last, limit) =>
        this.dataSource.query(
          `SELECT i.id, i.created_at::text AS at_key, i.account_id, a.name AS account_name, i.email, i.role,
                  (i.invited_by_user_id = $1) AS sent, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
             FROM invitations i JOIN accounts a ON a.id = i.account_id
            WHERE ${this.mine} ${last ? 'AND (i.created_at, i.id) < ($3::timestamptz, $4::uuid)' : ''}
            ORDER BY i.created_at DESC, i.id DESC LIMIT $2`,
          last ? [userId, limit, last.at_key, last.id] : [userId, limit],
        ),
      (r) => ({
        id: r.id,
        direction: r.sent ? 'sent by you' : 'to you',
        accountId: r.account_id,
        accountName: r.account_name,
        email: r.email,
        role: r.role,
        createdAt: isoTime(r.created_at),
        expiresAt: isoTime(r.expires_at),
        acceptedAt: isoTime(r.accepted_at),
        revokedAt: isoTime(r.revoked_at),
      }),
    );
    await sink.rows('invitations', rows);
  }
}
