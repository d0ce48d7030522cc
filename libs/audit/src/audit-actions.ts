/** The security events written to the audit log. One place, so the console can filter by them. */
export const AuditAction = {
  UserRegistered: 'user.registered',
  EmailVerified: 'user.email_verified',
  ProfileUpdated: 'user.profile_updated',
  AvatarUpdated: 'user.avatar_updated',
  EmailChangeRequested: 'user.email_change_requested',
  EmailChanged: 'user.email_changed',
  PasswordChanged: 'user.password_changed',
  PasswordResetRequested: 'user.password_reset_requested',
  PasswordReset: 'user.password_reset',
  LoginSucceeded: 'auth.login_succeeded',
  LoginFailed: 'auth.login_failed',
  AccountLocked: 'auth.account_locked',
  AccountUnlocked: 'auth.account_unlocked',
  Logout: 'auth.logout',
  SessionRevoked: 'session.revoked',
  SessionsRevoked: 'session.revoked_many',
  StaffGranted: 'staff.granted',
  StaffRevoked: 'staff.revoked',
} as const;
export type AuditActionName = (typeof AuditAction)[keyof typeof AuditAction];
