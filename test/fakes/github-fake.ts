import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface GithubUser {
  id: number;
  login: string;
  name: string;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

/**
 * GitHub's OAuth 2.0 on loopback, shaped like the real one: /login/oauth/authorize (a page with
 * an Authorize button; `login=<user>` in the query approves at once, for REST tests),
 * /login/oauth/access_token (client secret, single-use code, PKCE S256 checked), and the REST API
 * /user and /user/emails (verified flags) behind the access token.
 */
export class GithubFake {
  url = '';
  readonly users = new Map<string, GithubUser>();
  private readonly codes = new Map<string, { user: string; redirectUri: string; challenge: string | null }>();
  private readonly tokens = new Map<string, string>();
  private server = http.createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** REST tests: the redirect back to the app after `login` approves. */
  async authorize(authorizationUrl: string, login: string): Promise<string> {
    const res = await fetch(`${authorizationUrl}&login=${encodeURIComponent(login)}`, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) {
      throw new Error(`GitHub fake refused: ${res.status} ${await res.text()}`);
    }
    return location;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let body = '';
    for await (const chunk of req) {
      body += String(chunk);
    }
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/login/oauth/authorize') {
      const q = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
      if (q.get('client_id') !== this.clientId || !q.get('redirect_uri')) {
        return json(400, { error: 'invalid client or redirect_uri' });
      }
      const login = q.get('login');
      if (!login) {
        const hidden = [...q].map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`).join('');
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          `<!doctype html><title>Authorize</title><form method="post" action="/login/oauth/authorize">${hidden}` +
            `<label>GitHub user <input name="login"></label><button type="submit">Authorize</button></form>`,
        );
        return;
      }
      if (!this.users.has(login)) {
        return json(404, { error: 'no such user' });
      }
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, { user: login, redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge') });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const p = new URLSearchParams(body);
      const grant = this.codes.get(p.get('code') ?? '');
      this.codes.delete(p.get('code') ?? '');
      const verifier = p.get('code_verifier') ?? '';
      if (
        p.get('client_id') !== this.clientId ||
        p.get('client_secret') !== this.clientSecret ||
        !grant ||
        grant.redirectUri !== p.get('redirect_uri') ||
        !grant.challenge ||
        createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
      ) {
        return json(400, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${randomBytes(16).toString('hex')}`;
      this.tokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const login = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const user = login ? this.users.get(login) : undefined;
    if (url.pathname === '/user' || url.pathname === '/user/emails') {
      if (!user) {
        return json(401, { message: 'Bad credentials' });
      }
      return url.pathname === '/user' ? json(200, { id: user.id, login: user.login, name: user.name }) : json(200, user.emails);
    }
    json(404, { message: 'Not Found' });
  }

  close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeAllConnections();
    return closed;
  }
}
