import { ErasureSubject, PersonalDataErasure } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * An erased user's keys go (the cascade from users would take them too; this says so here), and
 * `revoked_by` on other users' keys (an owner who revoked them) no longer names the erased user.
 */
@Injectable()
export class ApiKeysErasure implements OnModuleInit {
  constructor(private readonly erasure: PersonalDataErasure) {}

  onModuleInit(): void {
    this.erasure.register({ area: 'api-keys', erase: (s, m) => this.erase(s, m) });
  }

  private async erase(subject: ErasureSubject, m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM api_keys WHERE user_id = $1`, [subject.userId]);
    await m.query(`UPDATE api_keys SET revoked_by = NULL WHERE revoked_by = $1`, [subject.userId]);
  }
}
