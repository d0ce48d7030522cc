import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
  locale: string;
  phone: string | null;
}

/**
 * What notifications needs to know about people, as a port: notifications depends on nothing in
 * the domain, so it reads the shared tables with plain SQL by default, and a domain lib (accounts)
 * may provide its own implementation under this class token.
 */
export abstract class RecipientDirectory {
  abstract findUser(userId: string, m: EntityManager): Promise<DirectoryUser | null>;
  /** Members of an account, optionally only those holding one of `roles`. */
  abstract accountMembers(accountId: string, roles: string[] | undefined, m: EntityManager): Promise<DirectoryUser[]>;
  /** The accounts a user belongs to (their defaults shape the user's notifications). */
  abstract accountIdsOf(userId: string, m: EntityManager): Promise<string[]>;
}

const USER_COLUMNS = `u.id, u.email, u.display_name AS name, u.language AS locale, u.phone`;

@Injectable()
export class SqlRecipientDirectory extends RecipientDirectory {
  async findUser(userId: string, m: EntityManager): Promise<DirectoryUser | null> {
    const rows: DirectoryUser[] = await m.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [userId]);
    return rows[0] ?? null;
  }

  async accountMembers(accountId: string, roles: string[] | undefined, m: EntityManager): Promise<DirectoryUser[]> {
    // The memberships table belongs to the accounts lib; without it there are no members.
    const [{ present }] = await m.query(`SELECT to_regclass('memberships') IS NOT NULL AS present`);
    if (!present) {
      return [];
    }
    const filter = roles && roles.length > 0;
    return m.query(
      `SELECT ${USER_COLUMNS} FROM memberships ms JOIN users u ON u.id = ms.user_id
        WHERE ms.account_id = $1 ${filter ? 'AND ms.role = ANY($2::text[])' : ''}
        ORDER BY u.id`,
      filter ? [accountId, roles] : [accountId],
    );
  }

  async accountIdsOf(userId: string, m: EntityManager): Promise<string[]> {
    const [{ present }] = await m.query(`SELECT to_regclass('memberships') IS NOT NULL AS present`);
    if (!present) {
      return [];
    }
    const rows: Array<{ account_id: string }> = await m.query(`SELECT account_id FROM memberships WHERE user_id = $1`, [userId]);
    return rows.map((r) => r.account_id);
  }
}
