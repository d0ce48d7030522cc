import { ErasureSubject, PersonalDataErasure, quotePatterns, scrubJson } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Metadata keys that only ever hold personal data; dropped from every entry about the erased user. */
const PERSONAL_KEYS = ['email', 'newEmail', 'oldEmail', 'ip', 'userAgent', 'phone', 'displayName', 'name'];

/**
 * The audit log keeps what happened, when and in which account, for as long as the log is kept;
 * the erased user becomes a pseudonym. Entries they made lose their IP and user agent (entries
 * others made about them keep the other person's); any quote
 * of their email, name, phone or id in another entry's metadata becomes the pseudonym. The table
 * allows this one UPDATE only inside a transaction that set `latchkey.audit_erasure`.
 */
@Injectable()
export class AuditErasure implements OnModuleInit {
  constructor(private readonly erasure: PersonalDataErasure) {}

  onModuleInit(): void {
    this.erasure.register({ area: 'audit', erase: (s, m) => this.erase(s, m) });
  }

  private async erase(subject: ErasureSubject, m: EntityManager): Promise<void> {
    await m.query(`SELECT set_config('latchkey.audit_erasure', 'on', true)`);
    const patterns = quotePatterns(subject, true);
    const rows: Array<{
      id: string;
      actor_user_id: string | null;
      subject_user_id: string | null;
      ip: string | null;
      user_agent: string | null;
      metadata: Record<string, unknown> | string;
    }> = await m.query(
      `SELECT id, actor_user_id, subject_user_id, ip, user_agent, metadata FROM audit_log
        WHERE actor_user_id = $1 OR subject_user_id = $1 OR metadata::text ILIKE ANY($2::text[])`,
      [subject.userId, patterns],
    );
    for (const row of rows) {
      // Their own actions, and attempts on their account by nobody signed in (failed sign-ins): the IP is theirs.
      const actor = row.actor_user_id === subject.userId || (row.actor_user_id === null && row.subject_user_id === subject.userId);
      const about = actor || row.subject_user_id === subject.userId;
      const raw = typeof row.metadata === 'string' ? (JSON.parse(row.metadata) as Record<string, unknown>) : row.metadata;
      const kept = about ? Object.fromEntries(Object.entries(raw).filter(([k]) => !PERSONAL_KEYS.includes(k))) : raw;
      const metadata = scrubJson(kept, subject);
      await m.query(
        `UPDATE audit_log
            SET actor_user_id = CASE WHEN actor_user_id = $2 THEN NULL ELSE actor_user_id END,
                actor_pseudonym = CASE WHEN actor_user_id = $2 THEN $3 ELSE actor_pseudonym END,
                subject_user_id = CASE WHEN subject_user_id = $2 THEN NULL ELSE subject_user_id END,
                subject_pseudonym = CASE WHEN subject_user_id = $2 THEN $3 ELSE subject_pseudonym END,
                ip = CASE WHEN $4::boolean THEN NULL ELSE ip END,
                user_agent = CASE WHEN $4::boolean THEN NULL ELSE user_agent END,
                metadata = $5::jsonb
          WHERE id = $1`,
        [row.id, subject.userId, subject.pseudonym, actor, JSON.stringify(metadata)],
      );
    }
    await m.query(`SELECT set_config('latchkey.audit_erasure', 'off', true)`);
  }
}
