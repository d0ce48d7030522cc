/**
 * Tables that refer to a user but are left out of the data export, each with the reason. A table
 * with a user column must be either written by a registered part (`DataExportPart.tables`) or
 * listed here: test/privacy/data-export-coverage.e2e-spec.ts holds every table to it.
 */
export const DATA_EXPORT_EXCLUSIONS: Readonly<Record<string, string>> = {
  user_tokens:
    'one-time link tokens (verify email, reset password, email change), stored only as hashes and expiring within hours; secrets, not data about the person',
  mfa_challenges: 'sign-in challenges living 5 minutes; every sign-in attempt is exported as login activity',
  mfa_webauthn_challenges:
    'random passkey challenges living 5 minutes and answered once; every sign-in attempt is exported as login activity',
  mfa_sms_codes: 'texted codes stored as HMACs, living minutes; secrets, not data about the person',
  data_exports: 'the export jobs themselves: the export is what they produce, and GET /me/exports lists them',
  connected_account_flows:
    'provider sign-in round trips living 10 minutes (state, nonce, PKCE verifier); the identities they link are exported as connected accounts',
  mfa_user_summaries: 'a per-user 2FA summary derived (by trigger) from mfa_factors and mfa_backup_codes, which the factors part writes',
};
