/**
 * Which lib owns each table: the only lib whose code may name it in SQL or register its entity.
 * Every other lib reads it through a port the owner provides. The `latchkey/table-ownership` lint
 * rule (eslint.config.mjs) flags SQL naming another lib's table, and `test/platform/table-ownership`
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
 * Cross-lib SQL and entity registrations still to be replaced by a port of the owner, with the
 * reason each is there (`<lib> -> <table>`). Empty since issue 14 removed the last six: every read
 * across libs goes through a port the owner provides. The ownership test fails on a crossing not
 * listed here and on one listed here that is gone, so the list can only stay empty.
 */
export const CROSSINGS_TO_REMOVE: Readonly<Record<string, string>> = {};
