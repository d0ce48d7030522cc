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
