/** Roles within one account. Platform staff (support, support_lead) is a user attribute, never one of these. */
export enum AccountRole {
  Owner = 'owner',
  Admin = 'admin',
  Member = 'member',
  Viewer = 'viewer',
}

export const ACCOUNT_ROLES: readonly AccountRole[] = [AccountRole.Owner, AccountRole.Admin, AccountRole.Member, AccountRole.Viewer];

/** owner > admin > member > viewer */
export const ROLE_RANK: Record<AccountRole, number> = {
  [AccountRole.Owner]: 40,
  [AccountRole.Admin]: 30,
  [AccountRole.Member]: 20,
  [AccountRole.Viewer]: 10,
};

export function hasAtLeast(role: AccountRole, least: AccountRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[least];
}

export function isAccountRole(value: string): value is AccountRole {
  return (ACCOUNT_ROLES as readonly string[]).includes(value);
}

/** The lesser of two roles (an API key's cap against the user's role). */
export function lowerRole(a: AccountRole, b: AccountRole): AccountRole {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}
