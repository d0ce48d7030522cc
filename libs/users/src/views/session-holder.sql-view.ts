import { SessionHolderView } from '@latchkey/sessions';
import { Injectable } from '@nestjs/common';

/** Sessions' SessionHolderView: the users row of a session, joined on its primary key. */
@Injectable()
export class SqlSessionHolderView extends SessionHolderView {
  join(alias: string, userIdColumn: string): string {
    return `JOIN users ${alias} ON ${alias}.id = ${userIdColumn}`;
  }

  columns(alias: string): string {
    return `${alias}.email, ${alias}.staff_role`;
  }
}
