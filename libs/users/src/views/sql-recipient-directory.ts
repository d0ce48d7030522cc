import { DirectoryUser, RecipientDirectory } from '@latchkey/notifications';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

const USER_COLUMNS = `u.id, u.email, u.display_name AS name, u.language AS locale, u.phone`;

/** Notifications' RecipientDirectory: a user's address, name, language and phone, by primary key. */
@Injectable()
export class SqlRecipientDirectory extends RecipientDirectory {
  async findUser(userId: string, m: EntityManager): Promise<DirectoryUser | null> {
    const rows: DirectoryUser[] = await m.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [userId]);
    return rows[0] ?? null;
  }

  async findUsers(ids: readonly string[], m: EntityManager): Promise<DirectoryUser[]> {
    if (ids.length === 0) {
      return [];
    }
    return m.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1::uuid[]) ORDER BY u.id`, [ids]);
  }
}
