import { ErasureSubject, PersonalDataErasure, quotePatterns } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';

const ERASED = '(erased with the user)';

/**
 * Tickets stay (the desk's record of what it did, and the audit log points at them) but lose
 * the requester's address and words: the email becomes the pseudonym, the message and any
 * staff note quoting the user are replaced, and the requester's IP leaves the trail.
 */
@Injectable()
export class SupportErasure implements OnModuleInit {
  constructor(private readonly erasure: PersonalDataErasure) {}

  onModuleInit(): void {
    this.erasure.register({ area: 'support', erase: (s, m) => this.erase(s, m) });
  }

  private async erase(subject: ErasureSubject, m: EntityManager): Promise<void> {
    const patterns = quotePatterns(subject, false);
    const tickets: Array<{ id: string }> = await m.query(
      `UPDATE support_tickets SET email = $3, message = $4, reason = CASE WHEN reason ILIKE ANY($5::text[]) THEN $4 ELSE reason END
        WHERE user_id = $1 OR lower(email) = lower($2) RETURNING id`,
      [subject.userId, subject.email, subject.pseudonym, ERASED, patterns],
    );
    const ids = tickets.map((t) => t.id);
    await m.query(
      `UPDATE support_ticket_events SET ip = NULL WHERE (ticket_id = ANY($1::uuid[]) AND actor_kind <> 'staff') OR actor_id = $2`,
      [ids, subject.userId],
    );
    await m.query(`UPDATE support_ticket_events SET reason = $2 WHERE reason ILIKE ANY($1::text[])`, [patterns, ERASED]);
    await m.query(`UPDATE support_ticket_checks SET note = $2 WHERE note ILIKE ANY($1::text[])`, [patterns, ERASED]);
  }
}
