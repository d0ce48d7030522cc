import { factorChangeOf } from '@latchkey/mfa';

/**
 * The security events a webhook endpoint can receive, and the audit actions they come from. The
 * audit log is the one record of every security change (written in the change's transaction), so
 * webhooks follow it: an event exists exactly when the change committed.
 */
export const WEBHOOK_EVENTS = {
  'sign_in.new_device': 'A user signed in from a device or browser not seen before',
  'password.changed': "A user's password was changed or reset",
  'mfa.enabled': 'A user turned on a second factor (authenticator app, SMS or passkey)',
  'mfa.disabled': 'A user removed a second factor, or reset all of them',
  'mfa.reset_executed': 'Support executed an approved reset of a user’s two-factor authentication',
  'member.role_changed': "A member's role in an account changed",
  'account.require_2fa_changed': 'An account turned require-2FA on or off',
  'api_key.created': 'A user created an API key (personal access token): its id, name, prefix, scopes and account binding',
  'consent.changed': 'A user changed a privacy choice (analytics opt-out, marketing-mail consent); deployment endpoints only',
  'webhook.test': 'A test event sent from the endpoint settings',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return Object.prototype.hasOwnProperty.call(WEBHOOK_EVENTS, value);
}

export interface AuditFacts {
  action: string;
  actorKind: string;
  actorUserId: string | null;
  subjectUserId: string | null;
  accountId: string | null;
  metadata: Record<string, unknown>;
}

/**
 * The webhook event an audit entry stands for, with the data the receiver gets; undefined for the
 * rest. `deploymentOnly`: a user's own privacy choice is the host's business, not the accounts'.
 */
export function webhookEventOf(
  a: AuditFacts,
): { type: WebhookEventType; data: Record<string, unknown>; deploymentOnly?: boolean } | undefined {
  const base = { userId: a.subjectUserId ?? a.actorUserId, actorKind: a.actorKind, actorUserId: a.actorUserId };
  // A factor of any kind added or removed: each kind declares its audit actions (FACTOR_KINDS).
  const factor = factorChangeOf(a.action);
  if (factor) {
    return { type: factor.change === 'enabled' ? 'mfa.enabled' : 'mfa.disabled', data: { ...base, factor: factor.kind } };
  }
  switch (a.action) {
    case 'auth.login_succeeded':
      return a.metadata.newDevice === true
        ? {
            type: 'sign_in.new_device',
            data: {
              ...base,
              method: a.metadata.method ?? 'password',
              browser: a.metadata.browser,
              os: a.metadata.os,
              location: a.metadata.location,
            },
          }
        : undefined;
    case 'user.password_changed':
      return { type: 'password.changed', data: { ...base, how: 'changed' } };
    case 'user.password_reset':
      return { type: 'password.changed', data: { ...base, how: 'reset' } };
    case 'mfa.reset':
      return { type: 'mfa.disabled', data: { ...base, factor: 'all' } };
    case 'support.mfa_reset_executed':
      return { type: 'mfa.reset_executed', data: { ...base, ticketId: a.metadata.ticketId } };
    case 'member.role_changed':
      return { type: 'member.role_changed', data: { ...base, accountId: a.accountId, from: a.metadata.from, to: a.metadata.to } };
    case 'account.require_2fa_enabled':
      return { type: 'account.require_2fa_changed', data: { accountId: a.accountId, actorUserId: a.actorUserId, required: true } };
    case 'account.require_2fa_disabled':
      return { type: 'account.require_2fa_changed', data: { accountId: a.accountId, actorUserId: a.actorUserId, required: false } };
    case 'api_key.created':
      return {
        type: 'api_key.created',
        data: {
          ...base,
          keyId: a.metadata.keyId,
          name: a.metadata.name,
          prefix: a.metadata.prefix,
          scopes: a.metadata.scopes,
          accountId: a.accountId,
          roleCap: a.metadata.roleCap,
          expiresAt: a.metadata.expiresAt,
        },
      };
    case 'user.consent_changed':
      return {
        type: 'consent.changed',
        data: { userId: a.subjectUserId, purpose: a.metadata.purpose, granted: a.metadata.granted, source: a.metadata.source },
        deploymentOnly: true,
      };
    default:
      return undefined;
  }
}
