import { loadConfig } from './app-config';
import { resolveIdentityProviders } from './identity-providers';

describe('Sign-in provider settings', () => {
  it('lists nothing without settings: every provider is hidden', () => {
    expect(loadConfig({}).identityProviders).toEqual([]);
  });

  it('reads Google, a Microsoft tenant, GitHub and a named OIDC issuer, with their default endpoints and scopes', () => {
    const problems: string[] = [];
    const providers = resolveIdentityProviders(
      {
        OAUTH_GOOGLE_CLIENT_ID: 'g',
        OAUTH_GOOGLE_CLIENT_SECRET: 'gs',
        OAUTH_MICROSOFT_CLIENT_ID: 'm',
        OAUTH_MICROSOFT_CLIENT_SECRET: 'ms',
        OAUTH_MICROSOFT_TENANT: '9188040d-6c67-4c5b-b112-36a304b66dad',
        OAUTH_GITHUB_CLIENT_ID: 'h',
        OAUTH_GITHUB_CLIENT_SECRET: 'hs',
        OIDC_PROVIDERS: 'okta',
        OIDC_OKTA_ISSUER: 'https://acme.okta.com/',
        OIDC_OKTA_CLIENT_ID: 'o',
        OIDC_OKTA_CLIENT_SECRET: 'os',
        OIDC_OKTA_NAME: 'Acme Okta',
        OIDC_OKTA_SCOPES: 'email profile',
      },
      problems,
    );
    expect(problems).toEqual([]);
    expect(providers.map((p) => [p.id, p.displayName, p.issuer ?? p.github?.webUrl, p.scopes.join(' ')])).toEqual([
      ['google', 'Google', 'https://accounts.google.com', 'openid email profile'],
      ['microsoft', 'Microsoft', 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0', 'openid email profile'],
      ['github', 'GitHub', 'https://github.com', 'read:user user:email'],
      ['okta', 'Acme Okta', 'https://acme.okta.com', 'openid email profile'],
    ]);
  });

  it('refuses plain http except on a loopback host, half a client, a multi-tenant Microsoft alias and a reserved id', () => {
    const problems: string[] = [];
    resolveIdentityProviders(
      {
        OAUTH_GOOGLE_CLIENT_ID: 'g',
        OAUTH_GOOGLE_CLIENT_SECRET: 'gs',
        OAUTH_GOOGLE_ISSUER: 'http://accounts.example.com',
        OAUTH_GITHUB_CLIENT_ID: 'h',
        OAUTH_MICROSOFT_CLIENT_ID: 'm',
        OAUTH_MICROSOFT_CLIENT_SECRET: 'ms',
        OAUTH_MICROSOFT_TENANT: 'common',
        OIDC_PROVIDERS: 'lab,password',
        OIDC_LAB_ISSUER: 'http://127.0.0.1:9999',
        OIDC_LAB_CLIENT_ID: 'l',
        OIDC_LAB_CLIENT_SECRET: 'ls',
      },
      problems,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^OAUTH_GOOGLE_ISSUER: must be https/),
      expect.stringMatching(/^OAUTH_MICROSOFT_TENANT: a tenant id is needed/),
      expect.stringMatching(/^OAUTH_GITHUB_CLIENT_ID, OAUTH_GITHUB_CLIENT_SECRET: set both or neither/),
      expect.stringMatching(/^OIDC_PROVIDERS: "password"/),
    ]);
    expect(() => loadConfig({ OAUTH_GITHUB_CLIENT_ID: 'h' })).toThrow(/OAUTH_GITHUB_CLIENT_SECRET/);
  });
});
