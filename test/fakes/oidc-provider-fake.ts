import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface OidcAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/**
 * A real OpenID Connect server (oidc-provider, with its development login form) on 127.0.0.1,
 * in a child process: discovery, authorization with PKCE, signed ID tokens with the nonce. Its
 * login form accepts any password for an account it knows (by subject).
 */
export class OidcProviderFake {
  issuer = '';
  private child?: ChildProcess;

  constructor(
    private readonly options: { clientId: string; clientSecret: string; redirectUris: string[]; accounts: Record<string, OidcAccount> },
  ) {}

  async start(): Promise<this> {
    const child = spawn(process.execPath, [path.join(__dirname, 'oidc-server.mjs'), JSON.stringify(this.options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let errors = '';
    child.stderr!.on('data', (c) => (errors += String(c)));
    this.issuer = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c) => {
        out += String(c);
        const m = /READY (\S+)/.exec(out);
        if (m) {
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`oidc-server exited (${code}): ${errors}`)));
    });
    return this;
  }

  async setAccounts(accounts: Record<string, OidcAccount>): Promise<void> {
    const res = await fetch(`${this.issuer}/__accounts`, { method: 'POST', body: JSON.stringify(accounts) });
    if (res.status !== 204) {
      throw new Error(`setAccounts: ${res.status}`);
    }
  }

  /**
   * What a browser does at the provider: follows the authorization URL, fills the login form
   * as `subject`, and stops at the redirect back to the app. Returns that URL (code, state, iss).
   */
  async signIn(authorizationUrl: string, subject: string, stopAt: string): Promise<string> {
    const jar = new Map<string, string>();
    let url = authorizationUrl;
    let method = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 12; hop++) {
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body,
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      const location = res.headers.get('location');
      if (location) {
        const next = new URL(location, url).href;
        if (next.startsWith(stopAt)) {
          return next;
        }
        url = next;
        method = 'GET';
        body = undefined;
        await res.arrayBuffer();
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action || !html.includes('name="login"')) {
        throw new Error(`Unexpected page at the provider (${res.status}): ${html.slice(0, 300)}`);
      }
      url = new URL(action.replace(/&amp;/g, '&'), url).href;
      method = 'POST';
      body = new URLSearchParams({ prompt: 'login', login: subject, password: 'any' }).toString();
    }
    throw new Error('Too many redirects at the provider');
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  }
}
