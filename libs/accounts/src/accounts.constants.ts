export const AccountAuditAction = {
  AccountCreated: 'account.created',
  AccountRenamed: 'account.renamed',
  AccountDeleted: 'account.deleted',
  Require2faEnabled: 'account.require_2fa_enabled',
  Require2faDisabled: 'account.require_2fa_disabled',
  IpAllowlistChanged: 'account.ip_allowlist_changed',
  OwnershipTransferred: 'account.ownership_transferred',
  MemberJoined: 'member.joined',
  MemberRoleChanged: 'member.role_changed',
  MemberRemoved: 'member.removed',
  InvitationCreated: 'invitation.created',
  InvitationResent: 'invitation.resent',
  InvitationRevoked: 'invitation.revoked',
  InvitationAccepted: 'invitation.accepted',
  UserDeleted: 'user.deleted',
  BillingUpdated: 'account.billing_updated',
  BillingCleared: 'account.billing_cleared',
  DeletionScheduled: 'user.deletion_scheduled',
  DeletionCancelled: 'user.deletion_cancelled',
  DeletionPostponed: 'user.deletion_postponed',
} as const;

export const INVITATION_TTL_MS = 7 * 24 * 3600_000;
