import { APP_CONFIG, AppConfig, IdentityProviderSettings, isLoopbackUrl } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';

/** What a provider said about the person, after every check of the library passed. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** A refusal the console can show: why the provider round trip did not end in an identity. */
export class ProviderFlowError extends Error {
  constructor(
    readonly reason: 'denied' | 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

const DISCOVERY_TTL_MS = 60 * 60_000;

/**
 * The protocol side of connected accounts, all through openid-client (authorization code with
 * PKCE S256, state, and for OIDC the nonce and every ID token check, issuer discovery): GitHub is
 * an OAuth 2.0 server with fixed endpoints, its identity read from its REST API. Plain http is
 * allowed for loopback hosts only (tests and labs), the settings refuse it anywhere else.
 */
@Injectable()
export class ProviderClients {
  private readonly configs = new Map<string, { config: oidc.Configuration; atMs: number }>();

  constructor(@Inject(APP_CONFIG) private readonly appConfig: AppConfig) {}

  redirectUri(provider: IdentityProviderSettings): string {
    return `${this.appConfig.http.publicUrl}/api/v1/auth/providers/${provider.id}/callback`;
  }

  private insecureAllowed(url: string): boolean {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && isLoopbackUrl(parsed);
  }

  private async configuration(provider: IdentityProviderSettings): Promise<oidc.Configuration> {
    const cached = this.configs.get(provider.id);
    if (cached && Date.now() - cached.atMs < DISCOVERY_TTL_MS) {
      return cached.config;
    }
    let config: oidc.Configuration;
    if (provider.kind === 'github') {
      const web = provider.github!.webUrl;
      config = new oidc.Configuration(
        { issuer: web, authorization_endpoint: `${web}/login/oauth/authorize`, token_endpoint: `${web}/login/oauth/access_token` },
        provider.clientId,
        undefined,
        oidc.ClientSecretPost(provider.clientSecret),
      );
      if (this.insecureAllowed(web) || this.insecureAllowed(provider.github!.apiUrl)) {
        oidc.allowInsecureRequests(config);
      }
    } else {
      const issuer = provider.issuer!;
      try {
        config = await oidc.discovery(
          new URL(issuer),
          provider.clientId,
          undefined,
          oidc.ClientSecretPost(provider.clientSecret),
          this.insecureAllowed(issuer) ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
        );
      } catch {
        throw new ProviderFlowError('unavailable', `${provider.displayName} cannot be reached right now. Try again in a moment.`);
      }
    }
    this.configs.set(provider.id, { config, atMs: Date.now() });
    return config;
  }

  async authorizationUrl(
    provider: IdentityProviderSettings,
    flow: { state: string; nonce: string; codeVerifier: string; reauth: boolean },
  ): Promise<string> {
    const config = await this.configuration(provider);
    const params: Record<string, string> = {
      redirect_uri: this.redirectUri(provider),
      scope: provider.scopes.join(' '),
      state: flow.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (provider.kind === 'oidc') {
      params.nonce = flow.nonce;
      if (flow.reauth) {
        params.prompt = 'login';
        params.max_age = '0';
      }
    } else if (flow.reauth) {
      params.prompt = 'select_account';
    }
    return oidc.buildAuthorizationUrl(config, params).href;
  }

  /** The callback: code for tokens, every check; throws ProviderFlowError with words for the console. */
  async complete(
    provider: IdentityProviderSettings,
    callbackQuery: string,
    flow: { state: string; nonce: string; codeVerifier: string; reauth: boolean },
  ): Promise<ProviderIdentity> {
    const config = await this.configuration(provider);
    const currentUrl = new URL(`${this.redirectUri(provider)}?${callbackQuery}`);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        ...(provider.kind === 'oidc'
          ? { expectedNonce: flow.nonce, idTokenExpected: true, ...(flow.reauth ? { maxAge: 300 } : {}) }
          : { idTokenExpected: false }),
      });
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError && err.error === 'access_denied') {
        throw new ProviderFlowError('denied', `You did not allow ${provider.displayName} to sign you in.`);
      }
      if (err instanceof TypeError || (err as { code?: string }).code === 'OAUTH_TIMEOUT') {
        throw new ProviderFlowError('unavailable', `${provider.displayName} cannot be reached right now. Try again in a moment.`);
      }
      throw new ProviderFlowError('refused', `${provider.displayName} did not confirm who you are. Try again.`);
    }
    if (provider.kind === 'github') {
      return this.githubIdentity(provider, tokens.access_token);
    }
    const claims = tokens.claims()!;
    return {
      issuer: String(claims.iss),
      subject: String(claims.sub),
      email: typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null,
      // Only an explicit true counts: a missing claim is an unverified address.
      emailVerified: claims.email_verified === true,
      name: typeof claims.name === 'string' ? claims.name : null,
    };
  }

  private async githubIdentity(provider: IdentityProviderSettings, accessToken: string): Promise<ProviderIdentity> {
    const api = provider.github!.apiUrl;
    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(`${api}${path}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'Latchkey' },
        signal: AbortSignal.timeout(10_000),
      }).catch(() => {
        throw new ProviderFlowError('unavailable', 'GitHub cannot be reached right now. Try again in a moment.');
      });
      if (!res.ok) {
        throw new ProviderFlowError('refused', 'GitHub did not confirm who you are. Try again.');
      }
      return res.json();
    };
    const user = (await get('/user')) as { id?: unknown; name?: unknown; login?: unknown };
    if (typeof user.id !== 'number' && typeof user.id !== 'string') {
      throw new ProviderFlowError('refused', 'GitHub did not confirm who you are. Try again.');
    }
    const emails = (await get('/user/emails')) as Array<{ email?: unknown; primary?: unknown; verified?: unknown }>;
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && typeof e.email === 'string') : undefined;
    return {
      issuer: provider.github!.webUrl,
      subject: String(user.id),
      email: primary ? String(primary.email).trim().toLowerCase() : null,
      emailVerified: primary?.verified === true,
      name: typeof user.name === 'string' ? user.name : typeof user.login === 'string' ? user.login : null,
    };
  }
}
