export const ApiKeysAuditAction = {
  Created: 'api_key.created',
  Revoked: 'api_key.revoked',
  /** Every key of a user at once (a password reset). */
  AllRevoked: 'api_key.all_revoked',
} as const;

/** Default and longest lifetimes of a key, in days ("never" only with API_KEYS_ALLOW_NO_EXPIRY). */
export const API_KEY_DEFAULT_DAYS = 90;
export const API_KEY_MAX_DAYS = 365;
/** Active (unrevoked, unexpired) keys one user may hold. */
export const API_KEYS_PER_USER = 50;
/** last_used_at / last_used_ip are written at most this often per key. */
export const API_KEY_TOUCH_EVERY_MS = 60_000;
/** Characters of the secret kept for display: `lk_pat_` and four more. */
export const API_KEY_DISPLAY_LENGTH = 11;
