/**
 * Which lib owns each table: the only lib whose code may name it in SQL or register its entity.
 * Every other lib reads it through a port the owner provides. `test/platform/table-ownership`
 * fails on a table without an owner, an entity outside its owner, and any cross-lib SQL not in
 * its list of crossings still to remove (that list only shrinks).
 */
export const TABLE_OWNERS = {
  // core: the platform's own tables
  rate_limits: 'core',
  // audit
  audit_log: 'audit',
  // users
  users: 'users',
  user_tokens: 'users',
  user_avatars: 'users',
  consent_records: 'users',
  // sessions
  sessions: 'sessions',
  // auth
  login_activity: 'auth',
  // mfa
  mfa_factors: 'mfa',
  mfa_factor_kinds: 'mfa',
  mfa_backup_codes: 'mfa',
  mfa_challenges: 'mfa',
  mfa_sms_codes: 'mfa',
  mfa_trusted_devices: 'mfa',
  mfa_user_summaries: 'mfa',
  mfa_webauthn_challenges: 'mfa',
  // accounts
  accounts: 'accounts',
  memberships: 'accounts',
  invitations: 'accounts',
  account_billing: 'accounts',
  // notifications
  notification_outbox: 'notifications',
  notification_inbox: 'notifications',
  notification_preferences: 'notifications',
  notification_webhooks: 'notifications',
  notification_host_events: 'notifications',
  notification_workers: 'notifications',
  account_notification_defaults: 'notifications',
  account_notification_webhooks: 'notifications',
  notification_event_types: 'notifications',
  // support
  support_tickets: 'support',
  support_ticket_checks: 'support',
  support_ticket_events: 'support',
  // service-access
  service_credentials: 'service-access',
  // exports
  data_exports: 'exports',
  // webhooks
  webhook_endpoints: 'webhooks',
  // api-keys
  api_keys: 'api-keys',
  // connected-accounts
  connected_identities: 'connected-accounts',
  connected_account_flows: 'connected-accounts',
} as const satisfies Record<string, string>;

export type OwnedTable = keyof typeof TABLE_OWNERS;

/**
 * Cross-lib SQL and entity registrations that exist today, each to be replaced by a port of the
 * owner (issue 14), with the reason it is still there. The list only shrinks: the ownership test
 * fails on a crossing not listed here, and on one listed here that is gone. `<lib> -> <table>`.
 */
export const CROSSINGS_TO_REMOVE: Readonly<Record<string, string>> = {
  'accounts -> login_activity': "the members report joins each member's last sign-in (auth) in its one keyset query",
  'accounts -> users': "the members report sorts and filters by the users' names and emails in its one keyset query",
  'notifications -> memberships': "the recipient directory resolves an account's members",
  'notifications -> users': "the recipient directory and a notification's recipient state read the user's address and language",
  'sessions -> users': "the session lookup of every request joins the user's email and staff role (one indexed query)",
  'webhooks -> memberships':
    "a user's security events go to every account they belong to (read here so the worker needs no accounts module)",
};
