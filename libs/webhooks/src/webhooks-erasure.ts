import { ErasureSubject, PersonalDataErasure, quotePatterns } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** An endpoint outlives the owner who added it: `created_by` becomes the erased user's pseudonym, and a description quoting them is replaced. */
@Injectable()
export class WebhooksErasure implements OnModuleInit {
  constructor(private readonly erasure: PersonalDataErasure) {}

  onModuleInit(): void {
    this.erasure.register({ area: 'webhooks', erase: (s, m) => this.erase(s, m) });
  }

  private async erase(subject: ErasureSubject, m: EntityManager): Promise<void> {
    await m.query(`UPDATE webhook_endpoints SET created_by = $2 WHERE created_by = $1`, [subject.userId, subject.pseudonym]);
    // A description naming them ("Erin's SIEM") is replaced, as quotes are everywhere else.
    await m.query(`UPDATE webhook_endpoints SET description = $2 WHERE description ILIKE ANY($1::text[])`, [
      quotePatterns(subject, false),
      '(added by a deleted user)',
    ]);
  }
}
