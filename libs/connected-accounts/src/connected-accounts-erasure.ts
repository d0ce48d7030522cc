import { ErasureSubject, PersonalDataErasure } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** An erased user's provider identities and flows go (the cascade from users would take them too; this says so here). */
@Injectable()
export class ConnectedAccountsErasure implements OnModuleInit {
  constructor(private readonly erasure: PersonalDataErasure) {}

  onModuleInit(): void {
    this.erasure.register({ area: 'connected-accounts', erase: (s, m) => this.erase(s, m) });
  }

  private async erase(subject: ErasureSubject, m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM connected_identities WHERE user_id = $1`, [subject.userId]);
    await m.query(`DELETE FROM connected_account_flows WHERE user_id = $1`, [subject.userId]);
  }
}
