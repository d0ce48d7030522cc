/**
 * Audit entries in words: one sentence per action code, naming who acted and whom it concerned.
 * Every code the API writes must have an entry here (a test reads every *AuditAction table of
 * the libs and fails on a code without words). No DOM or React here, so the test can import it.
 */
export interface AuditPerson {
  id: string;
  email: string;
  displayName: string;
}

export interface AuditEntryLike {
  action: string;
  actorKind?: string;
  actorUserId?: string | null;
  actor?: AuditPerson | null;
  subjectUserId?: string | null;
  subject?: AuditPerson | null;
  /** `deleted-user-<hash>` once that user was erased. */
  actorPseudonym?: string | null;
  subjectPseudonym?: string | null;
  metadata?: Record<string, unknown>;
}

interface Words {
  /** Who acted, as a name ("Ada Lovelace (ada@example.com)"), or who the system was. */
  actor: string;
  /** Whom it concerned; "themselves"-style wording is left to each sentence. */
  subject: string;
  /** Actor and subject are the same person. */
  self: boolean;
  meta: Record<string, unknown>;
}

export function personName(p: AuditPerson | null | undefined, id?: string | null): string {
  if (p) {
    return p.displayName && p.displayName !== p.email ? `${p.displayName} (${p.email})` : p.email;
  }
  return id ? 'a deleted user' : 'someone';
}

const text = (v: unknown, fallback = '?') => (v === undefined || v === null || v === '' ? fallback : String(v));
const quoted = (v: unknown) => `"${text(v)}"`;
const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x).replace(/_/g, ' ')).join(', ') : text(v));
const state = (v: unknown) => text(v, 'new').replace(/_/g, ' ');

export const AUDIT_WORDS: Readonly<Record<string, (w: Words) => string>> = {
  // Users (libs/audit AuditAction)
  'user.registered': (w) => `${w.actor} signed up${w.meta.provider ? ` with ${text(w.meta.provider)}` : ''}`,
  'user.email_verified': (w) => `${w.actor} confirmed their email address`,
  'user.profile_updated': (w) => `${w.actor} updated their profile (${list(w.meta.fields)})`,
  'user.avatar_updated': (w) => `${w.actor} changed their profile picture`,
  'user.email_change_requested': (w) => `${w.actor} asked to change their email address`,
  'user.email_change_resent': (w) => `${w.actor} had the email-change confirmation sent again`,
  'user.email_change_cancelled': (w) => `${w.actor} cancelled a change of email address`,
  'user.email_changed': (w) => `${w.subject} changed their email address from ${text(w.meta.from)} to ${text(w.meta.to)}`,
  'user.password_changed': (w) => `${w.actor} changed their password`,
  'user.password_reset_requested': (w) => `A password-reset link was requested for ${w.subject}`,
  'user.password_reset_sent': (w) => `${w.actor} sent ${w.subject} a password-reset email`,
  'user.password_reset': (w) => `${w.subject} reset their password with an emailed link`,
  'auth.login_succeeded': (w) => `${w.subject} signed in`,
  'auth.login_failed': (w) => `A sign-in as ${w.subject} failed`,
  'auth.account_locked': (w) => `Sign-in for ${w.subject} was locked after repeated failures`,
  'auth.account_unlocked': (w) => `${w.actor} unlocked sign-in for ${w.subject}`,
  'auth.logout': (w) => `${w.actor} signed out`,
  'session.revoked': (w) => (w.self ? `${w.actor} signed out one of their sessions` : `${w.actor} signed out a session of ${w.subject}`),
  'session.revoked_many': (w) => {
    const n = `${text(w.meta.count, 'several')} session(s)`;
    switch (w.meta.reason) {
      case 'password_changed':
        return `Changing the password signed ${w.subject} out of ${n} elsewhere`;
      case 'password_reset':
        return `A password reset signed ${w.subject} out of ${n}`;
      case 'revoke_others':
        return `${w.actor} signed out of ${n} elsewhere`;
      default:
        return w.self ? `${w.actor} signed out of ${n} everywhere` : `${w.actor} signed ${w.subject} out of ${n}`;
    }
  },
  'staff.granted': (w) => `${w.actor} made ${w.subject} support staff (${state(w.meta.role)})`,
  'staff.revoked': (w) => `${w.actor} removed ${w.subject} from the support staff`,
  // Data exports (libs/exports ExportsAuditAction)
  'privacy.export_requested': (w) => `${w.actor} asked for an export of their data`,
  'privacy.export_downloaded': (w) => `${w.actor} downloaded an export of their data`,
  'user.consent_changed': (w) =>
    `${w.actor} ${w.meta.granted ? 'allowed' : 'turned off'} ${w.meta.purpose === 'marketing_email' ? 'marketing email' : 'usage analytics'}`,

  // Accounts (libs/accounts AccountAuditAction)
  'account.created': (w) => `${w.actor} created the account ${quoted(w.meta.name)}`,
  'account.renamed': (w) => `${w.actor} renamed the account from ${quoted(w.meta.from)} to ${quoted(w.meta.to)}`,
  'account.deleted': (w) => `${w.actor} deleted the account ${quoted(w.meta.name)}`,
  'account.require_2fa_enabled': (w) => `${w.actor} required two-factor authentication for every member`,
  'account.require_2fa_disabled': (w) => `${w.actor} stopped requiring two-factor authentication`,
  'account.ip_allowlist_changed': (w) =>
    Array.isArray(w.meta.to) && w.meta.to.length === 0
      ? `${w.actor} removed the IP allow-list`
      : `${w.actor} set the IP allow-list to ${list(w.meta.to)}`,
  'account.ownership_transferred': (w) => `${w.actor} transferred ownership of the account to ${w.subject}`,
  'member.joined': (w) => `${w.subject} joined as ${text(w.meta.role)}`,
  'member.role_changed': (w) => `${w.actor} changed the role of ${w.subject} from ${text(w.meta.from)} to ${text(w.meta.to)}`,
  'member.removed': (w) =>
    w.self ? `${w.actor} left the account` : `${w.actor} removed ${w.subject} (${text(w.meta.role)}) from the account`,
  'invitation.created': (w) => `${w.actor} invited ${text(w.meta.email)} as ${text(w.meta.role)}`,
  'invitation.resent': (w) => `${w.actor} sent the invitation to ${text(w.meta.email)} again`,
  'invitation.revoked': (w) => `${w.actor} revoked the invitation to ${text(w.meta.email)}`,
  'invitation.accepted': (w) => `${w.actor} accepted an invitation as ${text(w.meta.role)}`,
  'user.deleted': (w) => `${w.actor} deleted their user`,
  'account.billing_updated': (w) => `${w.actor} updated the billing summary (plan ${quoted(w.meta.planName)})`,
  'account.billing_cleared': (w) => `${w.actor} removed the billing summary`,
  'user.deletion_scheduled': (w) => `${w.actor} asked to delete their user on ${text(w.meta.deletionScheduledFor).slice(0, 10)}`,
  'user.deletion_cancelled': (w) => `${w.actor} cancelled the deletion of their user`,
  'user.deletion_postponed': (w) => `The deletion of ${w.subject} was postponed: they are the only owner of an account with other members`,
  'account.notification_defaults_changed': (w) =>
    `${w.actor} changed the members' notification defaults (${text(w.meta.count, 'some')} setting(s); ${text(w.meta.locked, 'no')} locked)`,
  'account.alert_channel_linked': (w) => `${w.actor} sent account alerts to the Discord ${text(w.meta.hint, 'webhook')}`,
  'account.alert_channel_removed': (w) => `${w.actor} stopped sending account alerts to the Discord ${text(w.meta.hint, 'webhook')}`,

  // Two-factor authentication (libs/mfa MfaAuditAction)
  'mfa.totp_enabled': (w) => `${w.actor} set up an authenticator app`,
  'mfa.totp_disabled': (w) => `${w.actor} removed their authenticator app`,
  'mfa.totp_renamed': (w) => `${w.actor} renamed an authenticator app from ${quoted(w.meta.from)} to ${quoted(w.meta.to)}`,
  'mfa.sms_enabled': (w) => `${w.actor} added a phone for text-message codes`,
  'mfa.sms_disabled': (w) => `${w.actor} removed their phone for text-message codes`,
  'mfa.reset': (w) =>
    w.self
      ? `${w.actor} reset their two-factor authentication`
      : `Two-factor authentication of ${w.subject} was reset (${text(w.meta.reason)})`,
  'mfa.backup_codes_regenerated': (w) => `${w.actor} generated new backup codes`,
  'mfa.backup_code_used': (w) => `${w.subject} signed in with a backup code (${text(w.meta.remaining)} left)`,
  'mfa.trusted_device_added': (w) => `${w.subject} trusted a device for 30 days`,
  'mfa.trusted_device_revoked': (w) =>
    w.meta.count !== undefined ? `${w.actor} stopped trusting ${text(w.meta.count)} device(s)` : `${w.actor} stopped trusting a device`,
  'mfa.locked': (w) => `Second-step attempts for ${w.subject} were locked after repeated wrong codes`,
  'mfa.sms_refused': (w) => `A text message for ${w.subject} was refused (${text(w.meta.reason)})`,
  'mfa.passkey_added': (w) => `${w.actor} added a passkey (${quoted(w.meta.name)})`,
  'mfa.passkey_renamed': (w) => `${w.actor} renamed a passkey from ${quoted(w.meta.from)} to ${quoted(w.meta.to)}`,
  'mfa.passkey_removed': (w) => `${w.actor} removed a passkey (${quoted(w.meta.name)})`,
  'mfa.passkey_clone_suspected': (w) => `A copy of a passkey of ${w.subject} (${quoted(w.meta.name)}) was refused: its signature counter went backwards`,

  // Support desk (libs/support SupportAuditAction)
  'support.ticket_opened': (w) => `A support ticket (${state(w.meta.type)}) was opened for ${w.subject}`,
  'support.ticket_transition': (w) => `${w.actor} moved a support ticket from ${state(w.meta.from)} to ${state(w.meta.to)}`,
  'support.check_recorded': (w) => `${w.actor} recorded identity checks (${list(w.meta.kinds)}) for ${w.subject}`,
  'support.mfa_reset_executed': (w) => `${w.actor} reset the two-factor authentication of ${w.subject}`,
  'support.user_deleted': (w) => `${w.actor} deleted the user ${w.subject} on request`,
  'support.sessions_revoked': (w) => `${w.actor} signed out every session of ${w.subject}`,

  // Security webhooks (libs/webhooks WebhooksAuditAction)
  'webhook.endpoint_created': (w) => `${w.actor} added the security webhook ${quoted(w.meta.url)}`,
  'webhook.endpoint_updated': (w) => `${w.actor} changed the security webhook ${quoted(w.meta.url)}`,
  'webhook.endpoint_deleted': (w) => `${w.actor} removed the security webhook ${quoted(w.meta.url)}`,
  'webhook.secret_rotated': (w) => `${w.actor} rotated the signing secret of a security webhook`,

  // API keys (libs/api-keys ApiKeysAuditAction); a change made with a key carries metadata.apiKeyId
  'api_key.created': (w) =>
    `${w.actor} created the API key ${quoted(w.meta.name)} (${list(w.meta.scopes)}${w.meta.roleCap ? `, up to ${text(w.meta.roleCap)}` : ''})`,
  'api_key.revoked': (w) =>
    w.self ? `${w.actor} revoked their API key ${quoted(w.meta.name)}` : `${w.actor} revoked the API key ${quoted(w.meta.name)} of ${w.subject}`,

  'api_key.all_revoked': (w) => `Every API key of ${w.subject} was revoked (${Number(w.meta.count)} key(s), ${text(w.meta.reason)})`,

  // Connected accounts (libs/connected-accounts ConnectedAccountsAuditAction)
  'connected_account.linked': (w) => `${w.actor} connected their ${text(w.meta.providerName ?? w.meta.provider)} account`,
  'connected_account.unlinked': (w) => `${w.actor} disconnected their ${text(w.meta.providerName ?? w.meta.provider)} account`,

  // Service credentials (libs/service-access ServiceAccessAuditAction): deployment-wide, not in an account's log
  'service.credential_created': (w) => `${w.actor} created the service credential ${quoted(w.meta.name)} (${list(w.meta.scopes)})`,
  'service.credential_rotated': (w) => `${w.actor} rotated the secret of the service credential ${quoted(w.meta.name)}`,
  'service.credential_revoked': (w) => `${w.actor} revoked the service credential ${quoted(w.meta.name)}`,

  // Host event types (libs/notifications NotificationsAuditAction): deployment-wide, written by a service credential
  'notifications.event_type_registered': (w) => `${w.actor} registered the event type ${quoted(w.meta.name)} (${list(w.meta.channels)})`,
  'notifications.event_type_versioned': (w) =>
    `${w.actor} published version ${String(w.meta.version ?? '?')} of the event type ${quoted(w.meta.name)}`,
  'notifications.event_type_retired': (w) => `${w.actor} retired the event type ${quoted(w.meta.name)}`,
};

function actorOf(e: AuditEntryLike): string {
  if (e.actor || e.actorUserId || e.actorPseudonym) {
    const name = personName(e.actor, e.actorUserId ?? e.actorPseudonym);
    return e.actorKind === 'staff' ? `Support agent ${name}` : name;
  }
  switch (e.actorKind) {
    case 'system':
      return 'Latchkey';
    case 'service':
      return 'The host application';
    case 'staff':
      return 'Support';
    default:
      return 'Someone';
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The sentence for one entry; an unknown code still reads as words, never as a bare code. */
export function describeAuditEntry(e: AuditEntryLike): string {
  const words: Words = {
    actor: actorOf(e),
    subject: personName(e.subject, e.subjectUserId ?? e.subjectPseudonym),
    self:
      (Boolean(e.actorUserId) && e.actorUserId === e.subjectUserId) || (Boolean(e.actorPseudonym) && e.actorPseudonym === e.subjectPseudonym),
    meta: e.metadata ?? {},
  };
  const say = AUDIT_WORDS[e.action];
  return capitalise(say ? say(words) : `${words.actor}: ${e.action.replace(/[._]/g, ' ')}`) + '.';
}
