import { ErasureSubject, PersonalDataErasure, quotePatterns, scrubJson } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * The outbox has no foreign key to users (a row must outlive a failed transaction elsewhere):
 * an erased user's rows go, and any other row quoting them (a team mail naming them) has the
 * quote replaced. Preferences, inbox, webhook and consents cascade with the user row.
 */
@Injectable()
export class NotificationsErasure implements OnModuleInit {
  constructor(private readonly erasure: PersonalDataErasure) {}

  onModuleInit(): void {
    this.erasure.register({ area: 'notifications', erase: (s, m) => this.erase(s, m) });
  }

  private async erase(subject: ErasureSubject, m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM notification_outbox WHERE user_id = $1 OR lower(recipient) = lower($2) OR recipient = $3`, [
      subject.userId,
      subject.email,
      `discord:${subject.userId}`,
    ]);
    const patterns = quotePatterns(subject, true);
    const quoting: Array<{ id: string; payload: Record<string, unknown> | string }> = await m.query(
      `SELECT id, payload FROM notification_outbox WHERE payload::text ILIKE ANY($1::text[])`,
      [patterns],
    );
    for (const row of quoting) {
      const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
      await m.query(`UPDATE notification_outbox SET payload = $2::jsonb WHERE id = $1`, [
        row.id,
        JSON.stringify(scrubJson(payload, subject)),
      ]);
    }
    await m.query(
      `UPDATE notification_inbox
          SET title = CASE WHEN title ILIKE ANY($1::text[]) THEN $2 ELSE title END,
              body = CASE WHEN body ILIKE ANY($1::text[]) THEN $2 ELSE body END
        WHERE title ILIKE ANY($1::text[]) OR body ILIKE ANY($1::text[])`,
      [quotePatterns(subject, false), '(about a deleted user)'],
    );
  }
}
