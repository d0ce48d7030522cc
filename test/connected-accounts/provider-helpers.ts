import { OidcProviderFake } from '../fakes/oidc-provider-fake';

export const PUBLIC_URL = 'http://latchkey.test';
export const CALLBACK = `${PUBLIC_URL}/api/v1/auth/providers`;

/** A browser's flow cookie after POST .../start. */
export function flowCookie(res: { headers: Record<string, unknown> }): string {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const found = cookies.find((c) => c.startsWith('lk_provider_flow='));
  if (!found) {
    throw new Error(`No flow cookie in ${JSON.stringify(cookies)}`);
  }
  return found.split(';')[0];
}

/** The OpenID Connect provider "Acme SSO" (oidc-provider on loopback), with its client registered for the app's callback. */
export function startAcmeIdp(): Promise<OidcProviderFake> {
  return new OidcProviderFake({
    clientId: 'latchkey-test',
    clientSecret: 'oidc-client-secret-for-tests',
    redirectUris: [`${CALLBACK}/acme/callback`],
    accounts: {},
  }).start();
}

/** The app's settings for Acme SSO at that provider. */
export function acmeSettings(idp: OidcProviderFake): Record<string, string> {
  return {
    PUBLIC_URL,
    OIDC_PROVIDERS: 'acme',
    OIDC_ACME_ISSUER: idp.issuer,
    OIDC_ACME_CLIENT_ID: 'latchkey-test',
    OIDC_ACME_CLIENT_SECRET: 'oidc-client-secret-for-tests',
    OIDC_ACME_NAME: 'Acme SSO',
  };
}
