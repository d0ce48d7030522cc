import { RecipientDirectory } from '@latchkey/notifications';
import { SessionHolderView } from '@latchkey/sessions';
import { Global, Module } from '@nestjs/common';

import { SqlRecipientDirectory } from './sql-recipient-directory';
import { SqlSessionHolderView } from './session-holder.sql-view';
import { SqlUserView, UserView } from './user.view';

/**
 * The users table's windows for other libs: notifications' RecipientDirectory and sessions'
 * SessionHolderView (ports of libs below users, which cannot import it: hence global), and
 * UserView for the libs above. Part of UsersModule (the domain), so the worker has them too.
 */
@Global()
@Module({
  providers: [
    { provide: RecipientDirectory, useClass: SqlRecipientDirectory },
    { provide: SessionHolderView, useClass: SqlSessionHolderView },
    { provide: UserView, useClass: SqlUserView },
  ],
  exports: [RecipientDirectory, SessionHolderView, UserView],
})
export class UserViewsModule {}
