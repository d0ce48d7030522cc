import { AuditAction, AuditService } from '@latchkey/audit';
import { Clock, requestContext } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';

import { ConsentPurpose, ConsentRecord, ConsentSource } from './consent-record.entity';
import { ConsentChangeDto, ConsentRecordDto, PrivacySettingsDto, UpdatePrivacySettingsDto } from './privacy.dto';

/**
 * Privacy choices. Defaults follow the usual opt-in / opt-out split: usage analytics are on until
 * the user opts out (they are anonymous), marketing mail is off until the user agrees. Every change
 * appends a consent record (what, granted or withdrawn, when, source, IP, user agent); the newest
 * record per purpose is the current choice. Notifications read it to drop marketing events.
 */
@Injectable()
export class ConsentService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(ConsentRecord) private readonly repo: Repository<ConsentRecord>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async settings(userId: string, m?: EntityManager): Promise<PrivacySettingsDto> {
    const rows: Array<{ purpose: ConsentPurpose; granted: boolean; occurred_at: Date }> = await (m ?? this.dataSource).query(
      `SELECT DISTINCT ON (purpose) purpose, granted, occurred_at FROM consent_records
        WHERE user_id = $1 ORDER BY purpose, seq DESC`,
      [userId],
    );
    const by = new Map(rows.map((r) => [r.purpose, r]));
    const times = rows.map((r) => new Date(r.occurred_at).getTime());
    return {
      analyticsOptOut: by.has('analytics') ? !by.get('analytics')!.granted : false,
      marketingEmail: by.get('marketing_email')?.granted ?? false,
      updatedAt: times.length ? new Date(Math.max(...times)).toISOString() : null,
    };
  }

  async update(userId: string, change: UpdatePrivacySettingsDto, source: ConsentSource): Promise<PrivacySettingsDto> {
    return this.dataSource.transaction(async (m) => {
      // One writer at a time per user, so two parallel toggles cannot both read the old state.
      await m.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [userId]);
      const current = await this.settings(userId, m);
      const ctx = requestContext.get();
      const now = this.clock.now();
      const wanted: Array<[ConsentPurpose, boolean, boolean]> = [];
      if (change.analyticsOptOut !== undefined && change.analyticsOptOut !== current.analyticsOptOut) {
        wanted.push(['analytics', !change.analyticsOptOut, current.analyticsOptOut]);
      }
      if (change.marketingEmail !== undefined && change.marketingEmail !== current.marketingEmail) {
        wanted.push(['marketing_email', change.marketingEmail, current.marketingEmail]);
      }
      for (const [purpose, granted] of wanted) {
        await m.getRepository(ConsentRecord).insert({
          userId,
          purpose,
          granted,
          source,
          ip: ctx?.ip ?? null,
          userAgent: ctx?.userAgent?.slice(0, 512) ?? null,
          occurredAt: now,
        });
        await this.audit.record(
          { action: AuditAction.ConsentChanged, actorUserId: userId, subjectUserId: userId, metadata: { purpose, granted, source } },
          m,
        );
      }
      return this.settings(userId, m);
    });
  }

  async history(userId: string, limit: number, cursor?: string): Promise<{ items: ConsentRecordDto[]; nextCursor: string | null }> {
    const qb = this.repo
      .createQueryBuilder('c')
      .where('c.user_id = :userId', { userId })
      .orderBy('c.seq', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      qb.andWhere('c.seq < :cursor', { cursor });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        purpose: r.purpose,
        granted: r.granted,
        source: r.source,
        ip: r.ip,
        userAgent: r.userAgent,
        occurredAt: r.occurredAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? String(page[page.length - 1].seq) : null,
    };
  }

  /** For the host application: every change after `after`, oldest first (without IP and user agent). */
  async changesAfter(after: string | undefined, limit: number): Promise<{ items: ConsentChangeDto[]; nextCursor: string | null }> {
    const qb = this.repo.createQueryBuilder('c').orderBy('c.seq', 'ASC').limit(limit);
    if (after) {
      qb.where('c.seq > :after', { after });
    }
    const rows = await qb.getMany();
    return {
      items: rows.map((r) => ({
        cursor: String(r.seq),
        userId: r.userId,
        purpose: r.purpose,
        granted: r.granted,
        source: r.source,
        occurredAt: r.occurredAt.toISOString(),
      })),
      nextCursor: rows.length ? String(rows[rows.length - 1].seq) : (after ?? null),
    };
  }
}
