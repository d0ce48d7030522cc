import type { TokenLinkKind } from '@latchkey/core';

/**
 * The event catalogue: every event Latchkey can notify about, in one place. Templates, channel
 * defaults, the preferences page, `GET /events/catalogue` and the validation of host events
 * (`POST /events`) all read from here.
 *
 * - `channels`: where the event may go. `defaults`: the channels on until the user says
 *   otherwise (all of `channels` when omitted).
 * - `mandatoryEmail`: transactional and security messages always reach email; a person must
 *   hear that their password changed even if they turned notifications off. The preferences
 *   answer marks that channel `locked`.
 * - `hostPublishable` + `data`: events the host application may publish, and the fields of
 *   their `data` (required unless `optional`), checked before anything is written.
 * - Templates: `templates/<template>.html.hbs` and `.text.hbs`, optionally overridden per
 *   language in `templates/<lang>/` (with `<template>.subject.hbs` for the subject).
 * - `marketing`: never sent without the user's marketing consent (category `marketing`).
 * - `links`: the `data` fields that hold a token link, each built by the link table
 *   (`Links.build(kind, token)`); links without a token are `{{links.<kind>}}` in any template.
 */
export type Channel = 'email' | 'sms' | 'in_app' | 'discord';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'in_app', 'discord'];
export type EventCategory = 'transactional' | 'security' | 'team' | 'product' | 'marketing';

export interface EventDataField {
  type: 'string' | 'number' | 'url';
  optional?: boolean;
  description?: string;
}

export interface EventDefinition {
  category: EventCategory;
  /** Template base name under templates/: <name>.html.hbs and <name>.text.hbs */
  template: string;
  /** Handlebars, rendered with the event data. */
  subject: string;
  description: string;
  channels: readonly Channel[];
  /** Channels on by default; all of `channels` when omitted. */
  defaults?: readonly Channel[];
  mandatoryEmail: boolean;
  /** Marketing: delivered only to users who agreed to marketing mail (GET /me/privacy); dropped, and counted as skipped, for the others. */
  marketing?: boolean;
  /** The host application may publish this event through POST /api/v1/events. */
  hostPublishable?: boolean;
  data?: Readonly<Record<string, EventDataField>>;
  links?: Readonly<Record<string, TokenLinkKind>>;
}

const ALL: readonly Channel[] = ['email', 'in_app', 'sms', 'discord'];
const SECURITY = { channels: ALL, defaults: ['email', 'in_app'] } as const;
const PRODUCT = { channels: ALL, defaults: ['email', 'in_app'], hostPublishable: true } as const;

export const EVENT_CATALOGUE = {
  'auth.verify_email': {
    category: 'transactional',
    template: 'verify-email',
    subject: 'Confirm your email address',
    description: 'Link to confirm the address of a new account',
    channels: ['email'],
    mandatoryEmail: true,
    links: { link: 'verify_email' },
  },
  'auth.password_reset': {
    category: 'transactional',
    template: 'password-reset',
    subject: 'Reset your password',
    description: 'Password reset link',
    channels: ['email'],
    mandatoryEmail: true,
    links: { link: 'reset_password' },
  },
  'auth.provider_link': {
    category: 'transactional',
    template: 'provider-link',
    subject: 'Connect your {{provider}} sign-in',
    description: 'Link that connects a sign-in provider to the existing account with the same email',
    channels: ['email'],
    mandatoryEmail: true,
    links: { link: 'link_provider' },
  },
  'auth.email_change_confirm': {
    category: 'transactional',
    template: 'email-change-confirm',
    subject: 'Confirm your new email address',
    description: 'Link sent to a new address to confirm an email change',
    channels: ['email'],
    mandatoryEmail: true,
    links: { link: 'confirm_email_change' },
  },
  'security.email_changed': {
    category: 'security',
    template: 'email-changed',
    subject: 'Your email address is changing',
    description: 'Sent to the old address when an email change is requested and completed',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.password_changed': {
    category: 'security',
    template: 'password-changed',
    subject: 'Your password was changed',
    description: 'Your password was changed or reset',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.account_locked': {
    category: 'security',
    template: 'account-locked',
    subject: 'Sign-in to your account was locked',
    description: 'Too many failed sign-in attempts',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.new_sign_in': {
    category: 'security',
    template: 'new-sign-in',
    subject: 'New sign-in to your account',
    description: 'A sign-in from a device or location not seen before',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.mfa_enabled': {
    category: 'security',
    template: 'mfa-enabled',
    subject: 'Two-factor authentication method added',
    description: 'An authenticator app or phone was added as a second factor',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.api_key_created': {
    category: 'security',
    template: 'api-key-created',
    subject: 'A new API key was created for your account',
    description: 'A personal access token was created (name, prefix, scopes, account, expiry)',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.mfa_disabled': {
    category: 'security',
    template: 'mfa-disabled',
    subject: 'Two-factor authentication method removed',
    description: 'An authenticator app or phone was removed as a second factor',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.connected_account_linked': {
    category: 'security',
    template: 'connected-account-linked',
    subject: 'Your {{provider}} account was connected',
    description: 'A sign-in provider (Google, Microsoft, GitHub, OIDC) was connected to the account',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.connected_account_unlinked': {
    category: 'security',
    template: 'connected-account-unlinked',
    subject: 'Your {{provider}} account was disconnected',
    description: 'A sign-in provider was disconnected from the account',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.passkey_added': {
    category: 'security',
    template: 'passkey-added',
    subject: 'A passkey was added to your account',
    description: 'A passkey was registered for sign-in and as a second factor',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.passkey_removed': {
    category: 'security',
    template: 'passkey-removed',
    subject: 'A passkey was removed from your account',
    description: 'A passkey was removed',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.passkey_clone_suspected': {
    category: 'security',
    template: 'passkey-clone-suspected',
    subject: 'A copy of one of your passkeys was refused',
    description: "A passkey sign-in was refused because the key's signature counter went backwards (a cloned key)",
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.mfa_reset': {
    category: 'security',
    template: 'mfa-reset',
    subject: 'Two-factor authentication was reset',
    description: 'Every second factor was removed (by you, by a recovery sign-in or by support)',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.backup_code_used': {
    category: 'security',
    template: 'backup-code-used',
    subject: 'A backup code was used',
    description: 'One of your backup codes was used to sign in or confirm a change',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.backup_codes_low': {
    category: 'security',
    template: 'backup-codes-low',
    subject: 'You are running out of backup codes',
    description: 'Few unused backup codes remain',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.trusted_device_added': {
    category: 'security',
    template: 'trusted-device-added',
    subject: 'A device was trusted for sign-in',
    description: 'A device will skip the second sign-in step for 30 days',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.mfa_locked': {
    category: 'security',
    template: 'mfa-locked',
    subject: 'Two-factor attempts on your account were paused',
    description: 'Too many wrong two-factor codes',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.mfa_reset_requested': {
    category: 'security',
    template: 'mfa-reset-requested',
    subject: 'A request to reset your two-factor authentication was opened',
    description: 'Someone asked the support desk to remove your second factors (lost device)',
    ...SECURITY,
    mandatoryEmail: true,
    links: { cancelLink: 'support_cancel' },
  },
  'security.mfa_reset_approved': {
    category: 'security',
    template: 'mfa-reset-approved',
    subject: 'Your two-factor authentication will be reset on {{runsAt}}',
    description: 'Support approved a reset; it runs after a cool-down during which you can cancel',
    channels: ALL,
    mandatoryEmail: true,
    links: { cancelLink: 'support_cancel' },
  },
  'security.mfa_reset_executed': {
    category: 'security',
    template: 'mfa-reset-executed',
    subject: 'Your two-factor authentication was reset by support',
    description: 'The approved reset ran: every second factor was removed',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.mfa_reset_cancelled': {
    category: 'security',
    template: 'mfa-reset-cancelled',
    subject: 'The reset of your two-factor authentication was cancelled',
    description: 'A pending support reset was cancelled by you or by support',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'invoice.issued': {
    category: 'product',
    template: 'invoice-issued',
    subject: 'Invoice {{invoiceNumber}} is ready',
    description: 'The host application issued an invoice',
    ...PRODUCT,
    mandatoryEmail: false,
    data: {
      invoiceNumber: { type: 'string' },
      amount: { type: 'string', description: 'Formatted amount with currency, e.g. "€120.00"' },
      dueDate: { type: 'string' },
      url: { type: 'url', optional: true },
    },
  },
  'invoice.past_due': {
    category: 'product',
    template: 'invoice-past-due',
    subject: 'Invoice {{invoiceNumber}} is past due',
    description: 'An invoice was not paid by its due date',
    ...PRODUCT,
    mandatoryEmail: false,
    data: {
      invoiceNumber: { type: 'string' },
      amount: { type: 'string' },
      dueDate: { type: 'string' },
      url: { type: 'url', optional: true },
    },
  },
  'usage.spike': {
    category: 'product',
    template: 'usage-spike',
    subject: 'Unusual usage: {{metric}}',
    description: 'A usage metric rose well above its usual level',
    ...PRODUCT,
    mandatoryEmail: false,
    data: {
      metric: { type: 'string' },
      current: { type: 'number' },
      usual: { type: 'number' },
      url: { type: 'url', optional: true },
    },
  },
  'integration.failed': {
    category: 'product',
    template: 'integration-failed',
    subject: 'Integration {{integration}} is failing',
    description: 'An integration of the host application stopped working',
    ...PRODUCT,
    mandatoryEmail: false,
    data: {
      integration: { type: 'string' },
      error: { type: 'string' },
      url: { type: 'url', optional: true },
    },
  },
  'product.update': {
    category: 'product',
    template: 'product-update',
    subject: '{{title}}',
    description: 'News about the product',
    channels: ['email', 'in_app'],
    defaults: ['in_app'],
    hostPublishable: true,
    mandatoryEmail: false,
    data: {
      title: { type: 'string' },
      summary: { type: 'string' },
      url: { type: 'url', optional: true },
    },
  },
  'marketing.newsletter': {
    category: 'marketing',
    template: 'marketing-newsletter',
    subject: '{{title}}',
    description: 'Tips, offers and news from the host application; only for users who agreed to marketing mail',
    channels: ['email', 'in_app'],
    defaults: ['email'],
    marketing: true,
    hostPublishable: true,
    mandatoryEmail: false,
    data: {
      title: { type: 'string' },
      summary: { type: 'string' },
      url: { type: 'url', optional: true },
    },
  },
  'team.invited': {
    category: 'transactional',
    template: 'team-invited',
    subject: 'You are invited to join {{accountName}}',
    description: 'An invitation to join an account, with a link valid 7 days',
    channels: ['email'],
    mandatoryEmail: true,
    links: { link: 'accept_invitation' },
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
  'support.ticket_confirm': {
    category: 'transactional',
    template: 'support-ticket-confirm',
    subject: 'Confirm your support request {{ticket}}',
    description: 'Link that confirms a support request came from the address on file',
    channels: ['email'],
    mandatoryEmail: true,
    links: { link: 'support_confirm' },
  },
  'privacy.data_export_ready': {
    category: 'transactional',
    template: 'data-export-ready',
    subject: 'Your data export is ready',
    description: 'The export of your data you asked for can be downloaded (for 7 days)',
    channels: ['email', 'in_app'],
    mandatoryEmail: true,
  },
  'security.deletion_scheduled': {
    category: 'security',
    template: 'deletion-scheduled',
    subject: 'Your account will be deleted on {{deleteOn}}',
    description: 'You asked to delete your account; it is erased after the grace period unless you cancel',
    channels: ['email'],
    mandatoryEmail: true,
    links: { cancelLink: 'cancel_deletion' },
  },
  'security.deletion_cancelled': {
    category: 'security',
    template: 'deletion-cancelled',
    subject: 'The deletion of your account was cancelled',
    description: 'A scheduled deletion of your account was cancelled',
    ...SECURITY,
    mandatoryEmail: true,
  },
  'security.deletion_postponed': {
    category: 'security',
    template: 'deletion-postponed',
    subject: 'The deletion of your account is postponed to {{deleteOn}}',
    description: 'Your account could not be deleted: you are the only owner of an account with other members',
    channels: ['email'],
    mandatoryEmail: true,
  },
  'staff.sms_spike': {
    category: 'security',
    template: 'sms-spike',
    subject: 'Text messages hit the deployment-wide hourly limit',
    description: 'Staff only: the SMS_PER_DEPLOYMENT_HOURLY limit was reached (possible SMS pumping)',
    channels: ['email'],
    mandatoryEmail: true,
  },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_CATALOGUE;

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, type);
}

export function eventDefinition(type: EventType): EventDefinition {
  return EVENT_CATALOGUE[type];
}

export function defaultChannels(def: EventDefinition): readonly Channel[] {
  return def.defaults ?? def.channels;
}
