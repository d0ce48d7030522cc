import { Injectable } from '@nestjs/common';

/**
 * The users table as SQL for the libs above users that must read it inside one query of their
 * own (accounts' members report sorts and filters 100,000 members by name and email through
 * indexes; its 2FA roll-out picks the members without 2FA with their addresses). Only this lib's
 * code names the table: the consumer composes the fragments. Plain lookups go through UsersService.
 */
export abstract class UserView {
  /** `JOIN` of the user as `alias` on a user id column, e.g. `join('u', 'ms.user_id')`. */
  abstract join(alias: string, userIdColumn: string): string;
  /** Select-list columns under the joined alias: `email`, `display_name` and, with `withLanguage`, `language`. */
  abstract columns(alias: string, withLanguage?: boolean): string;
  /** A scalar subquery: the lower-cased email of the user whose id is the expression `userIdExpr`. */
  abstract lowerEmailOf(userIdExpr: string): string;
}

@Injectable()
export class SqlUserView extends UserView {
  join(alias: string, userIdColumn: string): string {
    return `JOIN users ${alias} ON ${alias}.id = ${userIdColumn}`;
  }

  columns(alias: string, withLanguage = false): string {
    return `${alias}.email, ${alias}.display_name${withLanguage ? `, ${alias}.language` : ''}`;
  }

  lowerEmailOf(userIdExpr: string): string {
    return `(SELECT lower(email) FROM users WHERE id = ${userIdExpr})`;
  }
}
