export const ConnectedAccountsAuditAction = {
  Linked: 'connected_account.linked',
  Unlinked: 'connected_account.unlinked',
} as const;

/** A sign-in flow (provider round trip, then the console asking for the outcome) lives this long. */
export const FLOW_TTL_MS = 10 * 60_000;
/** The HttpOnly cookie binding a flow to the browser that started it. */
export const FLOW_COOKIE = 'lk_provider_flow';
/** Starting a flow has its own IP budget (the sign-in page offers the buttons on every visit). */
export const FLOW_START_SCOPE = 'provider_start';
/** A provider reauth must have signed in at the provider this recently (max_age). */
export const REAUTH_MAX_AGE_SECONDS = 300;
