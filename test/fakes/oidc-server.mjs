// A real OpenID Connect server (the oidc-provider package) on 127.0.0.1, run as a child process
// by test/fakes/oidc-provider-fake.ts (oidc-provider is ESM with its own dependency tree; a
// separate process keeps it out of Jest's module system). argv[2] is JSON:
// { clientId, clientSecret, redirectUris, accounts: { <sub>: { email, email_verified, name } } }.
// Prints "READY <issuer>" once listening. POST /__accounts (JSON) replaces or adds accounts.
import * as http from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2]);
const accounts = { ...options.accounts };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: options.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  cookies: { keys: ['latchkey-test-oidc-cookie-key'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, sub) {
    const account = accounts[sub];
    if (!account) {
      return undefined;
    }
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  // No consent screen: the static client is first-party, as a company's own IdP would treat it.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
});

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url === '/__accounts') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      Object.assign(accounts, JSON.parse(body));
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  callback(req, res);
});

process.stdout.write(`READY ${issuer}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
