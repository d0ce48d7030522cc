import { api } from './api';

export type Role = 'owner' | 'admin' | 'member' | 'viewer';

export interface Membership {
  accountId: string;
  name: string;
  role: Role;
  require2fa: boolean;
  joinedAt: string;
}

const KEY = 'lk_account';
let cache: Promise<Membership[]> | undefined;

/** The memberships of the signed-in user, fetched once per sign-in. */
export function memberships(): Promise<Membership[]> {
  cache ??= api<{ items: Membership[] }>('/me/accounts')
    .then((r) => r.items)
    .catch((err) => {
      cache = undefined;
      throw err;
    });
  return cache;
}

export function forgetMemberships(): void {
  cache = undefined;
}

/** The account the console is looking at: the one picked in the switcher, else the first. */
export async function currentMembership(): Promise<Membership | undefined> {
  const all = await memberships();
  const picked = localStorage.getItem(KEY);
  return all.find((m) => m.accountId === picked) ?? all[0];
}

export async function currentAccountId(): Promise<string> {
  const m = await currentMembership();
  if (!m) {
    throw new Error('You do not belong to any account yet.');
  }
  return m.accountId;
}

export function switchAccount(accountId: string): void {
  localStorage.setItem(KEY, accountId);
}

export const isManager = (role: Role | undefined) => role === 'owner' || role === 'admin';
