import { AccountMemberships } from '@latchkey/core';
import { Global, Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Core's AccountMemberships port, from the memberships table accounts owns (its user_id and account_id indexes). */
@Injectable()
export class SqlAccountMemberships extends AccountMemberships {
  async accountIdsOf(userId: string, m: EntityManager): Promise<string[]> {
    const rows: Array<{ account_id: string }> = await m.query(`SELECT account_id FROM memberships WHERE user_id = $1`, [userId]);
    return rows.map((r) => r.account_id);
  }

  async memberIds(accountId: string, roles: string[] | undefined, m: EntityManager): Promise<string[]> {
    const filter = roles !== undefined && roles.length > 0;
    const rows: Array<{ user_id: string }> = await m.query(
      `SELECT user_id FROM memberships WHERE account_id = $1 ${filter ? 'AND role = ANY($2::text[])' : ''} ORDER BY user_id`,
      filter ? [accountId, roles] : [accountId],
    );
    return rows.map((r) => r.user_id);
  }
}

/**
 * Global so that the libs below accounts (notifications, webhooks), which cannot import it, get
 * the provider; part of AccountsModule (the domain), so the worker has it. Without this module the
 * boot fails: HostEventsService and the security-event sink cannot be built.
 */
@Global()
@Module({
  providers: [{ provide: AccountMemberships, useClass: SqlAccountMemberships }],
  exports: [AccountMemberships],
})
export class AccountMembershipsModule {}
