export type Channel = 'email' | 'sms';
export type EventCategory = 'transactional' | 'security' | 'team' | 'product';

export interface EventDefinition {
  category: EventCategory;
  /** Template base name under templates/: <name>.html.hbs and <name>.text.hbs */
  template: string;
  /** Handlebars, rendered with the event data. */
  subject: string;
  description: string;
  channels: Channel[];
  /**
   * Transactional and security messages always reach email: a person must hear that their
   * password changed even if they turned notifications off.
   */
  mandatoryEmail: boolean;
}

/** Every event Latchkey can notify about. Templates, defaults and the preferences page read from here. */
export const EVENT_CATALOGUE = {
  'auth.verify_email': {
    category: 'transactional',
    template: 'verify-email',
    subject: 'Confirm your email address',
    description: 'Link to confirm the address of a new account',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'auth.password_reset': {
    category: 'transactional',
    template: 'password-reset',
    subject: 'Reset your password',
    description: 'Password reset link',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'auth.email_change_confirm': {
    category: 'transactional',
    template: 'email-change-confirm',
    subject: 'Confirm your new email address',
    description: 'Link sent to a new address to confirm an email change',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.email_changed': {
    category: 'security',
    template: 'email-changed',
    subject: 'Your email address is changing',
    description: 'Sent to the old address when an email change is requested and completed',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.password_changed': {
    category: 'security',
    template: 'password-changed',
    subject: 'Your password was changed',
    description: 'Your password was changed or reset',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.account_locked': {
    category: 'security',
    template: 'account-locked',
    subject: 'Sign-in to your account was locked',
    description: 'Too many failed sign-in attempts',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.new_sign_in': {
    category: 'security',
    template: 'new-sign-in',
    subject: 'New sign-in to your account',
    description: 'A sign-in from a device or location not seen before',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.mfa_enabled': {
    category: 'security',
    template: 'mfa-enabled',
    subject: 'Two-factor authentication method added',
    description: 'An authenticator app or phone was added as a second factor',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.mfa_disabled': {
    category: 'security',
    template: 'mfa-disabled',
    subject: 'Two-factor authentication method removed',
    description: 'An authenticator app or phone was removed as a second factor',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.mfa_reset': {
    category: 'security',
    template: 'mfa-reset',
    subject: 'Two-factor authentication was reset',
    description: 'Every second factor was removed (by you, by a recovery sign-in or by support)',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.backup_code_used': {
    category: 'security',
    template: 'backup-code-used',
    subject: 'A backup code was used',
    description: 'One of your backup codes was used to sign in or confirm a change',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.backup_codes_low': {
    category: 'security',
    template: 'backup-codes-low',
    subject: 'You are running out of backup codes',
    description: 'Few unused backup codes remain',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.trusted_device_added': {
    category: 'security',
    template: 'trusted-device-added',
    subject: 'A device was trusted for sign-in',
    description: 'A device will skip the second sign-in step for 30 days',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'security.mfa_locked': {
    category: 'security',
    template: 'mfa-locked',
    subject: 'Two-factor attempts on your account were paused',
    description: 'Too many wrong two-factor codes',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'team.invited': {
    category: 'transactional',
    template: 'team-invited',
    subject: 'You are invited to join {{accountName}}',
    description: 'An invitation to join an account, with a link valid 7 days',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'team.role_changed': {
    category: 'team',
    template: 'team-role-changed',
    subject: 'Your role in {{accountName}} changed',
    description: 'An admin changed your role in an account',
    channels: ['email'],
    mandatoryEmail: false,
  },
  'team.removed': {
    category: 'team',
    template: 'team-removed',
    subject: 'You were removed from {{accountName}}',
    description: 'An admin removed you from an account',
    channels: ['email'],
    mandatoryEmail: false,
  },
  'team.ownership_transferred': {
    category: 'team',
    template: 'team-ownership-transferred',
    subject: 'You are now an owner of {{accountName}}',
    description: 'Ownership of an account was transferred to you',
    channels: ['email'],
    mandatoryEmail: false,
  },
  'team.require_2fa_enabled': {
    category: 'team',
    template: 'team-require-2fa-enabled',
    subject: '{{accountName}} now requires two-factor authentication',
    description: 'An account you belong to turned on required 2FA and you have no second factor yet',
    channels: ['email'],
    mandatoryEmail: false,
  },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_CATALOGUE;

export function eventDefinition(type: EventType): EventDefinition {
  return EVENT_CATALOGUE[type];
}
