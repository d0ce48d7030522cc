/**
 * Every console page an emailed link can open. The link table (libs/core/src/links/link-kinds.ts)
 * points at these paths; App.tsx registers a page for each; and
 * test/notifications/emailed-links.e2e-spec.ts renders every mail and proves each of its links
 * lands on one of them (or on an API route), so no emailed link dead-ends.
 *
 * Plain data only: the test reads this module outside the browser.
 */
export const PUBLIC_ROUTES = {
  signIn: '/login',
  signUp: '/sign-up',
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  verifyEmail: '/verify-email',
  confirmEmail: '/confirm-email',
  acceptInvitation: '/accept-invitation',
  supportRequest: '/support/new',
  supportConfirm: '/support/confirm',
  supportCancel: '/support/cancel',
  cancelDeletion: '/cancel-deletion',
  linkAccount: '/link-account',
  /** Where a sign-in provider sends the browser back (through the API's callback). */
  providerReturn: '/provider-return',
} as const;

/** Pages behind the sign-in that mails link to: without a session the sign-in comes first, then the page. */
export const SIGNED_IN_ROUTES = {
  notificationPreferences: '/me/notifications',
  securitySettings: '/me/security',
  privacySettings: '/me/privacy',
  apiKeySettings: '/me/api-keys',
  connectedAccounts: '/me/connected-accounts',
} as const;

export type PublicPage = keyof typeof PUBLIC_ROUTES;
