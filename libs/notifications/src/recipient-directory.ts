import type { EntityManager } from 'typeorm';

export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
  locale: string;
  phone: string | null;
}

/**
 * What notifications needs to know about people (address, name, language, phone), as a port:
 * notifications sits below users, so libs/users provides it (the users table is its) from its
 * domain module. Who belongs to which account is core's AccountMemberships port (accounts').
 * Required: without a provider the app does not boot.
 */
export abstract class RecipientDirectory {
  abstract findUser(userId: string, m: EntityManager): Promise<DirectoryUser | null>;
  /** The users of `ids` that exist, in id order. */
  abstract findUsers(ids: readonly string[], m: EntityManager): Promise<DirectoryUser[]>;
}
