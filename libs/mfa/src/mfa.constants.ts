export const MFA_OPTIONS = Symbol('MFA_OPTIONS');

export interface MfaOptions {
  /** ISO 3166 countries SMS recovery is not offered to (delivery there is unreliable or abused). */
  smsRecoveryBlockedCountries: string[];
  challengeTtlMs: number;
  challengeMaxAttempts: number;
  /** Second-factor failures per user, across challenges, before attempts are locked. */
  lockAfterFailures: number;
  lockWindowMs: number;
  smsCodeTtlMs: number;
  smsCodeMaxAttempts: number;
  smsResendCooldownMs: number;
  /** Texts per user per hour, against SMS pumping through repeated sign-in challenges. */
  smsPerHour: number;
  trustedDeviceTtlMs: number;
  backupCodeCount: number;
  /** Email the user when this many unused backup codes or fewer remain. */
  backupCodesLowAt: number;
}

export const DEFAULT_MFA_OPTIONS: MfaOptions = {
  smsRecoveryBlockedCountries: ['DZ', 'AZ', 'BD', 'ID', 'IL', 'NG', 'OM', 'PK', 'PS', 'LK', 'TJ', 'TN', 'VN'],
  challengeTtlMs: 5 * 60_000,
  challengeMaxAttempts: 5,
  lockAfterFailures: 10,
  lockWindowMs: 15 * 60_000,
  smsCodeTtlMs: 10 * 60_000,
  smsCodeMaxAttempts: 5,
  smsResendCooldownMs: 30_000,
  smsPerHour: 10,
  trustedDeviceTtlMs: 30 * 24 * 3600_000,
  backupCodeCount: 10,
  backupCodesLowAt: 3,
};

export const MfaAuditAction = {
  TotpEnabled: 'mfa.totp_enabled',
  TotpDisabled: 'mfa.totp_disabled',
  TotpRenamed: 'mfa.totp_renamed',
  SmsEnabled: 'mfa.sms_enabled',
  SmsDisabled: 'mfa.sms_disabled',
  Reset: 'mfa.reset',
  BackupCodesRegenerated: 'mfa.backup_codes_regenerated',
  BackupCodeUsed: 'mfa.backup_code_used',
  TrustedDeviceAdded: 'mfa.trusted_device_added',
  TrustedDeviceRevoked: 'mfa.trusted_device_revoked',
  Locked: 'mfa.locked',
  SmsRefused: 'mfa.sms_refused',
  PasskeyAdded: 'mfa.passkey_added',
  PasskeyRenamed: 'mfa.passkey_renamed',
  PasskeyRemoved: 'mfa.passkey_removed',
  PasskeyCloneSuspected: 'mfa.passkey_clone_suspected',
} as const;
