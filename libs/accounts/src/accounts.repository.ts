import { SqlStatement } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { AccountRole } from './account-role';
import { Account, Invitation, Membership } from './entities';

type Db = DataSource | EntityManager;

/** `UPDATE/DELETE ... RETURNING` rows: TypeORM's postgres driver answers `[rows, count]`. */
export async function returning<T>(db: Db, sql: string, params: unknown[]): Promise<T[]> {
  const raw: unknown = await db.query(sql, params);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') {
    return raw[0] as T[];
  }
  return raw as T[];
}

/** Tenant-scoped access: every method that reads account data takes accountId first. */
@Injectable()
export class AccountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  db(m?: EntityManager): Db {
    return m ?? this.dataSource;
  }

  private accounts(m?: EntityManager) {
    return (m ?? this.dataSource.manager).getRepository(Account);
  }

  private memberships(m?: EntityManager) {
    return (m ?? this.dataSource.manager).getRepository(Membership);
  }

  private invitations(m?: EntityManager) {
    return (m ?? this.dataSource.manager).getRepository(Invitation);
  }

  findAccount(accountId: string, m?: EntityManager): Promise<Account | null> {
    return this.accounts(m).findOne({ where: { id: accountId } });
  }

  /** Locks the account row so owner counts stay right under concurrent role changes. */
  async lockAccount(accountId: string, m: EntityManager): Promise<Account | null> {
    const rows = await m.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
    return (rows as unknown[]).length ? this.findAccount(accountId, m) : null;
  }

  /** The oldest account of this name the user owns (the demo seed finds its account by it). */
  async findOwnedByName(name: string, ownerId: string, m: EntityManager): Promise<string | undefined> {
    const [row]: Array<{ id: string }> = await m.query(
      `SELECT a.id FROM accounts a JOIN memberships ms ON ms.account_id = a.id
        WHERE a.name = $1 AND ms.user_id = $2 AND ms.role = 'owner' ORDER BY a.created_at LIMIT 1`,
      [name, ownerId],
    );
    return row?.id;
  }

  async insertAccount(values: Partial<Account>, m: EntityManager): Promise<Account> {
    return this.accounts(m).save(this.accounts(m).create(values));
  }

  async updateAccount(accountId: string, patch: Partial<Account>, m: EntityManager): Promise<void> {
    await this.accounts(m).update({ id: accountId }, patch);
  }

  async deleteAccount(accountId: string, m: EntityManager): Promise<void> {
    await this.accounts(m).delete({ id: accountId });
  }

  findMembership(accountId: string, userId: string, m?: EntityManager): Promise<Membership | null> {
    return this.memberships(m).findOne({ where: { accountId, userId } });
  }

  async insertMembership(accountId: string, userId: string, role: AccountRole, now: Date, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m,
      `INSERT INTO memberships (account_id, user_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (account_id, user_id) DO NOTHING RETURNING id`,
      [accountId, userId, role, now],
    );
    return rows.length === 1;
  }

  async setRole(accountId: string, userId: string, role: AccountRole, now: Date, m: EntityManager): Promise<void> {
    await this.memberships(m).update({ accountId, userId }, { role, updatedAt: now });
  }

  async deleteMembership(accountId: string, userId: string, m: EntityManager): Promise<void> {
    await this.memberships(m).delete({ accountId, userId });
  }

  async countOwners(accountId: string, m: EntityManager): Promise<number> {
    return this.memberships(m).count({ where: { accountId, role: AccountRole.Owner } });
  }

  async countMembers(accountId: string, m?: EntityManager): Promise<number> {
    return this.memberships(m).count({ where: { accountId } });
  }

  /** The user's memberships with the account, oldest first. */
  async listForUser(
    userId: string,
    m?: EntityManager,
  ): Promise<
    Array<{ account_id: string; name: string; role: AccountRole; require_2fa: boolean; created_at: Date; members: number; owners: number }>
  > {
    return this.db(m).query(
      `SELECT a.id AS account_id, a.name, ms.role, a.require_2fa, ms.created_at,
              (SELECT count(*)::int FROM memberships x WHERE x.account_id = a.id) AS members,
              (SELECT count(*)::int FROM memberships x WHERE x.account_id = a.id AND x.role = 'owner') AS owners
         FROM memberships ms JOIN accounts a ON a.id = ms.account_id
        WHERE ms.user_id = $1
        ORDER BY ms.created_at, a.id`,
      [userId],
    );
  }

  async namesRequiring2fa(userId: string): Promise<string[]> {
    const rows: Array<{ name: string }> = await this.dataSource.query(
      `SELECT a.name FROM memberships ms JOIN accounts a ON a.id = ms.account_id
        WHERE ms.user_id = $1 AND a.require_2fa ORDER BY a.name`,
      [userId],
    );
    return rows.map((r) => r.name);
  }

  /** Whether the user is a member of an account that requires 2FA, as a SqlFacts fact (a boolean). */
  anyRequiring2faFact(userId: string): SqlStatement {
    return {
      sql: `SELECT EXISTS (SELECT 1 FROM memberships ms JOIN accounts a ON a.id = ms.account_id WHERE ms.user_id = $1 AND a.require_2fa)`,
      params: [userId],
    };
  }

  findInvitation(accountId: string, invitationId: string, m?: EntityManager): Promise<Invitation | null> {
    return this.invitations(m).findOne({ where: { accountId, id: invitationId } });
  }

  findInvitationByHash(tokenHash: string, m?: EntityManager): Promise<Invitation | null> {
    return this.invitations(m).findOne({ where: { tokenHash } });
  }

  async insertInvitation(values: Partial<Invitation>, m: EntityManager): Promise<Invitation> {
    return this.invitations(m).save(this.invitations(m).create(values));
  }

  async updateInvitation(accountId: string, invitationId: string, patch: Partial<Invitation>, m: EntityManager): Promise<void> {
    await this.invitations(m).update({ accountId, id: invitationId }, patch);
  }

  /** Revokes any pending invitation for the address, so one address has one live link. */
  async revokePendingFor(accountId: string, email: string, now: Date, m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE invitations SET revoked_at = $3 WHERE account_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND revoked_at IS NULL`,
      [accountId, email, now],
    );
  }

  /** Single use, compare-and-swap: only one of two racing accepts wins. */
  async markAccepted(invitationId: string, userId: string, now: Date, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m,
      `UPDATE invitations SET accepted_at = $2, accepted_by_user_id = $3
        WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 RETURNING id`,
      [invitationId, now, userId],
    );
    return rows.length === 1;
  }

  listInvitations(accountId: string, limit: number, before?: { at: string; id: string }): Promise<Invitation[]> {
    const qb = this.invitations()
      .createQueryBuilder('i')
      .where('i.account_id = :accountId', { accountId })
      .orderBy('i.created_at', 'DESC')
      .addOrderBy('i.id', 'DESC')
      .limit(limit + 1);
    if (before) {
      qb.andWhere('(i.created_at, i.id) < (:at, :id)', { at: before.at, id: before.id });
    }
    return qb.getMany();
  }
}
