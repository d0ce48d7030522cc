import type { EntityManager } from 'typeorm';

/**
 * Who belongs to which account, as a port for the libs below accounts that need it: notifications
 * (an account's members receive its host events; a user's accounts shape their notification
 * defaults) and webhooks (a user's security events go to every account they belong to). The
 * memberships table is libs/accounts', which provides this from its domain module (not its HTTP
 * module), so the worker has it. Required: without a provider the app does not boot.
 */
export abstract class AccountMemberships {
  /** The accounts a user belongs to, read in the caller's transaction (memberships' user_id index). */
  abstract accountIdsOf(userId: string, m: EntityManager): Promise<string[]>;
  /** The user ids of an account's members, optionally only those holding one of `roles`, in user id order. */
  abstract memberIds(accountId: string, roles: string[] | undefined, m: EntityManager): Promise<string[]>;
}
