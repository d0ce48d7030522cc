import { Injectable } from '@nestjs/common';

/**
 * Sign-in history as SQL for a lib that must read it inside one query of its own: accounts'
 * members report shows and sorts by each member's last successful sign-in. Only this lib's code
 * names login_activity; the consumer composes the fragment.
 */
export abstract class LastSignInView {
  /**
   * A scalar subquery: the time of the last successful sign-in of the user whose id is the
   * expression `userIdColumn`, or NULL. One index probe per row (login_activity's user_id, occurred_at index).
   */
  abstract lastSignIn(userIdColumn: string): string;
}

@Injectable()
export class SqlLastSignInView extends LastSignInView {
  lastSignIn(userIdColumn: string): string {
    return `(SELECT la.occurred_at FROM login_activity la WHERE la.user_id = ${userIdColumn} AND la.outcome = 'success'
     ORDER BY la.occurred_at DESC LIMIT 1)`;
  }
}
