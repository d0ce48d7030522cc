/**
 * Every link Latchkey emails, by kind. A kind's default target is a page of the console (served
 * at /admin with a hash router, so a token travels in the fragment and never reaches a server
 * log); the setting `LINK_<KIND>` (a URL template with `{token}`) points it at a page of the host
 * application instead. Later features add kinds here, and the console registers a page for each
 * default path (admin-ui/src/public/routes.ts); a test renders every mail and holds them together.
 */
export const LINK_KINDS = {
  verify_email: { path: '/admin/#/verify-email?token={token}', token: true },
  reset_password: { path: '/admin/#/reset-password?token={token}', token: true },
  confirm_email_change: { path: '/admin/#/confirm-email?token={token}', token: true },
  accept_invitation: { path: '/admin/#/accept-invitation?token={token}', token: true },
  support_confirm: { path: '/admin/#/support/confirm?token={token}', token: true },
  support_cancel: { path: '/admin/#/support/cancel?token={token}', token: true },
  cancel_deletion: { path: '/admin/#/cancel-deletion?token={token}', token: true },
  link_provider: { path: '/admin/#/link-account?token={token}', token: true },
  notification_preferences: { path: '/admin/#/me/notifications', token: false },
  security_settings: { path: '/admin/#/me/security', token: false },
  privacy_settings: { path: '/admin/#/me/privacy', token: false },
  api_key_settings: { path: '/admin/#/me/api-keys', token: false },
  connected_accounts: { path: '/admin/#/me/connected-accounts', token: false },
  forgot_password: { path: '/admin/#/forgot-password', token: false },
  sign_in: { path: '/admin/#/login', token: false },
} as const satisfies Record<string, { path: string; token: boolean }>;

export type LinkKind = keyof typeof LINK_KINDS;
export type TokenLinkKind = { [K in LinkKind]: (typeof LINK_KINDS)[K]['token'] extends true ? K : never }[LinkKind];
export type PlainLinkKind = Exclude<LinkKind, TokenLinkKind>;

export const LINK_KIND_NAMES = Object.keys(LINK_KINDS) as LinkKind[];

export function linkSettingName(kind: LinkKind): string {
  return `LINK_${kind.toUpperCase()}`;
}

const HTTP_URL = /^https?:\/\/[^\s/?#]+([/?#]\S*)?$/;

/**
 * The URL template of every kind: the setting when given, else PUBLIC_URL + the console path.
 * Adds one line to `problems` per bad setting, naming it.
 */
export function resolveLinkTemplates(
  env: Record<string, string | undefined>,
  publicUrl: string,
  problems: string[],
  production: boolean,
): Record<LinkKind, string> {
  const out = {} as Record<LinkKind, string>;
  for (const kind of LINK_KIND_NAMES) {
    const name = linkSettingName(kind);
    const given = env[name]?.trim();
    const def = LINK_KINDS[kind];
    out[kind] = `${publicUrl}${def.path}`;
    if (!given) {
      continue;
    }
    const got = ` (got ${JSON.stringify(env[name])})`;
    if (!HTTP_URL.test(given)) {
      problems.push(`${name}: must be an http(s) URL template${got}`);
    } else if (def.token && given.split('{token}').length !== 2) {
      problems.push(`${name}: must contain {token} exactly once, where the link's token goes${got}`);
    } else if (!def.token && given.includes('{token}')) {
      problems.push(`${name}: this link carries no token, so {token} cannot appear in it${got}`);
    } else if (production && /^https?:\/\/(localhost|127\.0\.0\.1)([:/?#]|$)/.test(given)) {
      problems.push(`${name}: a localhost URL is a development default, refused in production${got}`);
    } else {
      out[kind] = given;
    }
  }
  return out;
}
