/**
 * The session lookup's window on the session's holder, as a port: the guard reads the session
 * with the holder's email and staff role on every request, in one indexed query (the sessions
 * token_hash index, then the users primary key), so it gets SQL to join rather than a call.
 * libs/users provides it (users sits above sessions, so it fills this port rather than being
 * imported). Required: without a provider the app does not boot.
 */
export abstract class SessionHolderView {
  /** `JOIN` of the holder as `alias` on a user id column, e.g. `join('u', 's.user_id')`. */
  abstract join(alias: string, userIdColumn: string): string;
  /** The holder's select-list columns under the joined alias: `email` and `staff_role`. */
  abstract columns(alias: string): string;
}
