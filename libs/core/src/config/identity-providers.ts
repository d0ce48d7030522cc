/**
 * Sign-in providers (connected accounts), read from the environment. A provider without its
 * client id and secret is absent (hidden from the sign-in page and refused by every route).
 *
 * - Google: OAUTH_GOOGLE_CLIENT_ID, OAUTH_GOOGLE_CLIENT_SECRET, OAUTH_GOOGLE_ISSUER (default
 *   https://accounts.google.com), OAUTH_GOOGLE_SCOPES.
 * - Microsoft: OAUTH_MICROSOFT_CLIENT_ID, OAUTH_MICROSOFT_CLIENT_SECRET and the tenant's issuer,
 *   OAUTH_MICROSOFT_ISSUER or OAUTH_MICROSOFT_TENANT (https://login.microsoftonline.com/<tenant>/v2.0;
 *   the multi-tenant "common" endpoint is refused: its ID tokens name another issuer than its
 *   discovery document, so they cannot be checked).
 * - GitHub (OAuth 2.0, no OIDC): OAUTH_GITHUB_CLIENT_ID, OAUTH_GITHUB_CLIENT_SECRET,
 *   OAUTH_GITHUB_URL (default https://github.com), OAUTH_GITHUB_API_URL (default https://api.github.com).
 * - Any OIDC issuer: OIDC_PROVIDERS=acme,corp then OIDC_<ID>_ISSUER, _CLIENT_ID, _CLIENT_SECRET,
 *   _NAME (shown on the button), _SCOPES.
 *
 * Issuer and endpoint URLs must be https, except on a loopback host (127.0.0.1, ::1, localhost),
 * which is allowed for tests and labs and is the only case where plain http reaches the client
 * library (allowInsecureRequests).
 */
export interface IdentityProviderSettings {
  /** Route segment and stored provider name: google, microsoft, github or an OIDC_PROVIDERS id. */
  id: string;
  displayName: string;
  kind: 'oidc' | 'github';
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** OIDC: the issuer discovered at <issuer>/.well-known/openid-configuration. */
  issuer?: string;
  /** GitHub: the web base (authorize, token) and the REST API base. */
  github?: { webUrl: string; apiUrl: string };
}

/** Built-in providers, and the sign-in methods login activity already names. */
const RESERVED = ['google', 'microsoft', 'github', 'password', 'passkey', 'totp', 'sms'];
const ID = /^[a-z][a-z0-9-]{1,30}$/;

export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

function checkUrl(name: string, value: string, problems: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name}: must be an absolute https URL (got ${JSON.stringify(value)})`);
    return value;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    problems.push(`${name}: must be https (plain http only on a loopback host) (got ${JSON.stringify(value)})`);
  }
  return value.replace(/\/+$/, '');
}

function scopesOf(value: string | undefined, fallback: string, mustHaveOpenid: boolean): string[] {
  const scopes = (value?.trim() || fallback).split(/[\s,]+/).filter(Boolean);
  return mustHaveOpenid && !scopes.includes('openid') ? ['openid', ...scopes] : scopes;
}

export function resolveIdentityProviders(env: Record<string, string | undefined>, problems: string[]): IdentityProviderSettings[] {
  const out: IdentityProviderSettings[] = [];
  const pair = (prefix: string): { clientId: string; clientSecret: string } | undefined => {
    const clientId = env[`${prefix}_CLIENT_ID`]?.trim();
    const clientSecret = env[`${prefix}_CLIENT_SECRET`]?.trim();
    if (!clientId && !clientSecret) {
      return undefined;
    }
    if (!clientId || !clientSecret) {
      problems.push(`${prefix}_CLIENT_ID, ${prefix}_CLIENT_SECRET: set both or neither`);
      return undefined;
    }
    return { clientId, clientSecret };
  };
  const google = pair('OAUTH_GOOGLE');
  if (google) {
    out.push({
      id: 'google',
      displayName: 'Google',
      kind: 'oidc',
      ...google,
      issuer: checkUrl('OAUTH_GOOGLE_ISSUER', env.OAUTH_GOOGLE_ISSUER?.trim() || 'https://accounts.google.com', problems),
      scopes: scopesOf(env.OAUTH_GOOGLE_SCOPES, 'openid email profile', true),
    });
  }
  const microsoft = pair('OAUTH_MICROSOFT');
  if (microsoft) {
    const tenant = env.OAUTH_MICROSOFT_TENANT?.trim();
    const issuer = env.OAUTH_MICROSOFT_ISSUER?.trim() || (tenant ? `https://login.microsoftonline.com/${tenant}/v2.0` : '');
    if (!issuer) {
      problems.push('OAUTH_MICROSOFT_TENANT or OAUTH_MICROSOFT_ISSUER: required with OAUTH_MICROSOFT_CLIENT_ID (your tenant id)');
    } else if (/\/(common|organizations|consumers)\/v2\.0$/.test(issuer)) {
      problems.push(`OAUTH_MICROSOFT_TENANT: a tenant id is needed, not a multi-tenant alias (got ${JSON.stringify(issuer)})`);
    }
    out.push({
      id: 'microsoft',
      displayName: 'Microsoft',
      kind: 'oidc',
      ...microsoft,
      issuer: issuer ? checkUrl('OAUTH_MICROSOFT_ISSUER', issuer, problems) : issuer,
      scopes: scopesOf(env.OAUTH_MICROSOFT_SCOPES, 'openid email profile', true),
    });
  }
  const github = pair('OAUTH_GITHUB');
  if (github) {
    out.push({
      id: 'github',
      displayName: 'GitHub',
      kind: 'github',
      ...github,
      github: {
        webUrl: checkUrl('OAUTH_GITHUB_URL', env.OAUTH_GITHUB_URL?.trim() || 'https://github.com', problems),
        apiUrl: checkUrl('OAUTH_GITHUB_API_URL', env.OAUTH_GITHUB_API_URL?.trim() || 'https://api.github.com', problems),
      },
      scopes: scopesOf(env.OAUTH_GITHUB_SCOPES, 'read:user user:email', false),
    });
  }
  const ids = (env.OIDC_PROVIDERS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const id of ids) {
    if (!ID.test(id) || RESERVED.includes(id) || out.some((p) => p.id === id)) {
      problems.push(
        `OIDC_PROVIDERS: ${JSON.stringify(id)} must be 2-31 of a-z, 0-9 and -, start with a letter, and not be google, microsoft, github or repeated`,
      );
      continue;
    }
    const prefix = `OIDC_${id.toUpperCase().replace(/-/g, '_')}`;
    const issuer = env[`${prefix}_ISSUER`]?.trim();
    const credentials = pair(prefix);
    if (!issuer || !credentials) {
      problems.push(
        `${prefix}_ISSUER, ${prefix}_CLIENT_ID, ${prefix}_CLIENT_SECRET: required for the provider "${id}" listed in OIDC_PROVIDERS`,
      );
      continue;
    }
    out.push({
      id,
      displayName: env[`${prefix}_NAME`]?.trim() || id,
      kind: 'oidc',
      ...credentials,
      issuer: checkUrl(`${prefix}_ISSUER`, issuer, problems),
      scopes: scopesOf(env[`${prefix}_SCOPES`], 'openid email profile', true),
    });
  }
  return out;
}
