import { AccountRole } from '@latchkey/accounts';
import { hashToken } from '@latchkey/core';

import { addMember, createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { GithubFake } from '../fakes/github-fake';
import { OidcProviderFake } from '../fakes/oidc-provider-fake';
import { bearer, enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { CALLBACK, PUBLIC_URL, acmeSettings, flowCookie, startAcmeIdp } from './provider-helpers';

describe('Connected accounts: sign-in, sign-up and linking through OIDC and GitHub', () => {
  let t: TestApp;
  let idp: OidcProviderFake;
  let github: GithubFake;

  beforeAll(async () => {
    github = await new GithubFake('gh-client', 'gh-secret').start();
    idp = await startAcmeIdp();
    t = await createTestApp({
      env: {
        ...acmeSettings(idp),
        OAUTH_GITHUB_CLIENT_ID: 'gh-client',
        OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
        OAUTH_GITHUB_URL: github.url,
        OAUTH_GITHUB_API_URL: github.url,
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await idp?.close();
    await github?.close();
  });

  let subjects = 0;
  /** A new account at the OIDC provider. */
  async function oidcAccount(email: string, verified: boolean, name = 'Ada Provider'): Promise<string> {
    const sub = `sub-${++subjects}-${Date.now()}`;
    await idp.setAccounts({ [sub]: { email, email_verified: verified, name } });
    return sub;
  }

  async function start(provider = 'acme', auth?: Record<string, string>, body: Record<string, unknown> = {}) {
    const path = auth ? `/api/v1/me/connected-accounts/${provider}/start` : `/api/v1/auth/providers/${provider}/start`;
    const req = t.http().post(path);
    const res = await (auth ? req.set(auth) : req).send(body);
    if (res.status !== 200) {
      throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return { authorizationUrl: res.body.authorizationUrl as string, cookie: flowCookie(res) };
  }

  /** The browser back at the callback: answers where it was sent. */
  async function callback(url: string, cookie?: string): Promise<string> {
    const u = new URL(url);
    const req = t.http().get(`${u.pathname}${u.search}`);
    const res = await (cookie ? req.set('Cookie', cookie) : req).expect(302);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    return res.headers.location as string;
  }

  function result(cookie: string) {
    return t.http().post('/api/v1/auth/providers/result').set('Cookie', cookie).send({});
  }

  /** A whole round trip through the OIDC provider as `sub`. */
  async function viaOidc(sub: string, auth?: Record<string, string>, body?: Record<string, unknown>) {
    const flow = await start('acme', auth, body);
    const back = await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`);
    expect(await callback(back, flow.cookie)).toBe(`${PUBLIC_URL}/admin/#/provider-return`);
    return { ...flow, res: await result(flow.cookie) };
  }

  const identities = async (userId: string) =>
    t.dataSource.query(`SELECT provider, email FROM connected_identities WHERE user_id = $1 ORDER BY provider`, [userId]);

  it('lists only configured providers; a provider without settings is hidden and refused', async () => {
    const res = await t.http().get('/api/v1/auth/providers').expect(200);
    expect(res.body.items).toEqual([
      { id: 'github', displayName: 'GitHub' },
      { id: 'acme', displayName: 'Acme SSO' },
    ]);
    const google = await t.http().post('/api/v1/auth/providers/google/start').send({}).expect(404);
    expect(google.body).toMatchObject({ code: 'PROVIDER_NOT_FOUND', errors: [{ field: 'provider' }] });
  });

  it('the authorization request carries PKCE S256, state and nonce, and the flow cookie is HttpOnly', async () => {
    const res = await t.http().post('/api/v1/auth/providers/acme/start').send({}).expect(200);
    const url = new URL(res.body.authorizationUrl);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(`${CALLBACK}/acme/callback`);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('lk_provider_flow='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  describe('signing in and up', () => {
    it('a new person signs up through OIDC without a password, then signs in again as the same user', async () => {
      const email = uniqueEmail('oidc-new');
      const sub = await oidcAccount(email, true);
      const first = await viaOidc(sub);
      expect(first.res.status).toBe(200);
      expect(first.res.body).toMatchObject({ status: 'authenticated', provider: 'acme', user: { email, emailVerified: true } });
      const userId = first.res.body.user.id as string;
      const auth = bearer(first.res.body.session.token);
      const mine = await t.http().get('/api/v1/me/connected-accounts').set(auth).expect(200);
      expect(mine.body).toMatchObject({ hasPassword: false, items: [{ provider: 'acme', providerName: 'Acme SSO', email }] });
      expect(mine.body.available).toEqual([{ id: 'github', displayName: 'GitHub' }]);
      // A first password only through the emailed reset link.
      const change = await t
        .http()
        .post('/api/v1/me/password')
        .set(auth)
        .send({ currentPassword: 'x', newPassword: 'a-brand-new-passphrase-9' });
      expect(change.status).toBe(409);
      expect(change.body.code).toBe('NO_PASSWORD_SET');

      t.clock.advance(60_000);
      const again = await viaOidc(sub);
      expect(again.res.body).toMatchObject({ status: 'authenticated', user: { id: userId } });
      const activity = await t.http().get('/api/v1/me/login-activity').set(auth).expect(200);
      expect(
        activity.body.items.filter((a: { outcome: string; reason: string }) => a.outcome === 'success' && a.reason === 'acme'),
      ).toHaveLength(2);
      const [row] = await t.dataSource.query(`SELECT last_used_at, linked_at FROM connected_identities WHERE user_id = $1`, [userId]);
      expect(new Date(row.last_used_at).getTime()).toBeGreaterThan(new Date(row.linked_at).getTime());
    });

    it('a new person signs up through GitHub (its verified primary email), then signs in again', async () => {
      const email = uniqueEmail('gh-new');
      github.users.set('octo-new', {
        id: 4242,
        login: 'octo-new',
        name: 'Octo New',
        emails: [
          { email: uniqueEmail('gh-other'), primary: false, verified: true },
          { email, primary: true, verified: true },
        ],
      });
      const flow = await start('github');
      const url = new URL(flow.authorizationUrl);
      expect(url.origin + url.pathname).toBe(`${github.url}/login/oauth/authorize`);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      await callback(await github.authorize(flow.authorizationUrl, 'octo-new'), flow.cookie);
      const res = await result(flow.cookie).expect(200);
      expect(res.body).toMatchObject({ status: 'authenticated', provider: 'github', user: { email, displayName: 'Octo New' } });
      expect(await identities(res.body.user.id)).toEqual([{ provider: 'github', email }]);

      const again = await start('github');
      await callback(await github.authorize(again.authorizationUrl, 'octo-new'), again.cookie);
      expect((await result(again.cookie).expect(200)).body).toMatchObject({ status: 'authenticated', user: { id: res.body.user.id } });
    });

    it('GitHub with an unverified primary email creates nothing and signs nobody in', async () => {
      const victim = await createUser(t);
      github.users.set('octo-unverified', {
        id: 4243,
        login: 'octo-unverified',
        name: 'Mallory',
        emails: [{ email: victim.email, primary: true, verified: false }],
      });
      const flow = await start('github');
      await callback(await github.authorize(flow.authorizationUrl, 'octo-unverified'), flow.cookie);
      const res = await result(flow.cookie).expect(403);
      expect(res.body).toMatchObject({ code: 'PROVIDER_EMAIL_UNVERIFIED', errors: [{ field: 'email' }] });
      expect(await identities(victim.id)).toEqual([]);
    });

    it('sign-up through a provider is refused when registration is closed', async () => {
      const closed = await createTestApp({
        sameDatabaseAs: t,
        workers: false,
        env: {
          PUBLIC_URL,
          REGISTRATION_ENABLED: 'false',
          OIDC_PROVIDERS: 'acme',
          OIDC_ACME_ISSUER: idp.issuer,
          OIDC_ACME_CLIENT_ID: 'latchkey-test',
          OIDC_ACME_CLIENT_SECRET: 'oidc-client-secret-for-tests',
        },
      });
      try {
        const email = uniqueEmail('closed');
        const sub = await oidcAccount(email, true);
        const res = await closed.http().post('/api/v1/auth/providers/acme/start').send({}).expect(200);
        const cookie = flowCookie(res);
        const back = new URL(await idp.signIn(res.body.authorizationUrl, sub, `${CALLBACK}/acme/callback`));
        await closed.http().get(`${back.pathname}${back.search}`).set('Cookie', cookie).expect(302);
        const out = await closed.http().post('/api/v1/auth/providers/result').set('Cookie', cookie).send({}).expect(403);
        expect(out.body.code).toBe('REGISTRATION_CLOSED');
        expect(await t.dataSource.query(`SELECT 1 FROM users WHERE email = $1`, [email])).toEqual([]);
      } finally {
        await closed.close();
      }
    });
  });

  describe('tampering and replay', () => {
    it('a tampered state finds no flow: the console is told it expired and nobody is signed in', async () => {
      const sub = await oidcAccount(uniqueEmail('state'), true);
      const flow = await start();
      const back = new URL(await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`));
      back.searchParams.set('state', `${back.searchParams.get('state')}x`);
      expect(await callback(back.href, flow.cookie)).toBe(`${PUBLIC_URL}/admin/#/provider-return?error=expired`);
      expect((await result(flow.cookie).expect(400)).body).toMatchObject({ code: 'PROVIDER_FLOW_INVALID', errors: [{ field: 'flow' }] });
    });

    it('a nonce that does not match the ID token is refused', async () => {
      const sub = await oidcAccount(uniqueEmail('nonce'), true);
      const flow = await start();
      const state = new URL(flow.authorizationUrl).searchParams.get('state')!;
      await t.dataSource.query(
        `UPDATE connected_account_flows SET nonce = 'not-the-nonce-that-was-sent' WHERE stage = 'started' AND state_hash = $1`,
        [hashToken(state)],
      );
      const updated = await t.dataSource.query(`SELECT 1 FROM connected_account_flows WHERE nonce = 'not-the-nonce-that-was-sent'`);
      expect(updated).toHaveLength(1);
      await callback(await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`), flow.cookie);
      const res = await result(flow.cookie).expect(400);
      expect(res.body.code).toBe('PROVIDER_SIGN_IN_FAILED');
      expect(res.body.detail).toMatch(/did not confirm who you are/);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('a PKCE verifier that does not match the challenge is refused by the provider', async () => {
      const sub = await oidcAccount(uniqueEmail('pkce'), true);
      const flow = await start();
      const state = new URL(flow.authorizationUrl).searchParams.get('state')!;
      await t.dataSource.query(
        `UPDATE connected_account_flows SET code_verifier = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE state_hash = $1`,
        [hashToken(state)],
      );
      await callback(await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`), flow.cookie);
      expect((await result(flow.cookie).expect(400)).body.code).toBe('PROVIDER_SIGN_IN_FAILED');
    });

    it('a replayed callback, a callback in another browser and a second result are all refused', async () => {
      const sub = await oidcAccount(uniqueEmail('replay'), true);
      const flow = await start();
      const back = await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`);
      // Login CSRF: the callback URL sent to someone else's browser (no cookie, or another flow's).
      const other = await start();
      expect(await callback(back)).toMatch(/error=expired$/);
      expect(await callback(back, other.cookie)).toMatch(/error=expired$/);
      // The right browser still can, once.
      expect(await callback(back, flow.cookie)).toBe(`${PUBLIC_URL}/admin/#/provider-return`);
      expect(await callback(back, flow.cookie)).toMatch(/error=expired$/);
      expect((await result(flow.cookie).expect(200)).body.status).toBe('authenticated');
      expect((await result(flow.cookie).expect(400)).body.code).toBe('PROVIDER_FLOW_INVALID');
    });

    it('an expired flow is refused', async () => {
      const sub = await oidcAccount(uniqueEmail('late'), true);
      const flow = await start();
      const back = await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`);
      t.clock.advance(11 * 60_000);
      expect(await callback(back, flow.cookie)).toMatch(/error=expired$/);
    });

    it('the provider saying no (denied consent) reaches the console as words', async () => {
      const flow = await start();
      const state = new URL(flow.authorizationUrl).searchParams.get('state')!;
      const denied = `${CALLBACK}/acme/callback?error=access_denied&error_description=End-User+aborted&state=${state}&iss=${encodeURIComponent(idp.issuer)}`;
      expect(await callback(denied, flow.cookie)).toBe(`${PUBLIC_URL}/admin/#/provider-return`);
      const res = await result(flow.cookie).expect(400);
      expect(res.body).toMatchObject({ code: 'PROVIDER_SIGN_IN_FAILED', detail: 'You did not allow Acme SSO to sign you in.' });
    });
  });

  describe('no account takeover', () => {
    it('an unverified provider email matching a user is refused: no link, no sign-in, no account', async () => {
      const victim = await createUser(t);
      const sub = await oidcAccount(victim.email, false, 'Mallory');
      const { res } = await viaOidc(sub);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'PROVIDER_EMAIL_UNVERIFIED', errors: [{ field: 'email' }] });
      expect(((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) => c.startsWith('lk_session='))).toBe(false);
      expect(await identities(victim.id)).toEqual([]);
      // Unverified and unknown: no account is created either.
      const stranger = uniqueEmail('unverified');
      const again = await viaOidc(await oidcAccount(stranger, false));
      expect(again.res.status).toBe(403);
      expect(await t.dataSource.query(`SELECT 1 FROM users WHERE email = $1`, [stranger])).toEqual([]);
    });

    it('a verified email matching a user answers link_required, and links only after that account’s password', async () => {
      const owner = await createUser(t);
      const sub = await oidcAccount(owner.email, true);
      const { res, cookie } = await viaOidc(sub);
      expect(res.body).toEqual({ status: 'link_required', provider: 'acme', email: owner.email });
      expect(await identities(owner.id)).toEqual([]);
      const wrong = await t
        .http()
        .post('/api/v1/auth/providers/link-existing')
        .set('Cookie', cookie)
        .send({ password: 'not-the-password-1' });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'WRONG_PASSWORD', errors: [{ field: 'password' }] });
      expect(await identities(owner.id)).toEqual([]);
      const right = await t
        .http()
        .post('/api/v1/auth/providers/link-existing')
        .set('Cookie', cookie)
        .send({ password: TEST_PASSWORD })
        .expect(200);
      expect(right.body).toMatchObject({ status: 'authenticated', provider: 'acme', user: { id: owner.id } });
      expect(await identities(owner.id)).toEqual([{ provider: 'acme', email: owner.email }]);
      // The flow is spent.
      await t.http().post('/api/v1/auth/providers/link-existing').set('Cookie', cookie).send({ password: TEST_PASSWORD }).expect(400);
      const mail = await t.mail.waitFor((m) => m.to.includes(owner.email) && /Acme SSO account was connected/.test(m.subject));
      expect(mail.text).toContain('/admin/#/me/connected-accounts');
      // From now on the identity signs in that user directly.
      expect((await viaOidc(sub)).res.body).toMatchObject({ status: 'authenticated', user: { id: owner.id } });
    });

    it('an identity linked to one user cannot be linked to another', async () => {
      const a = await createUser(t);
      const sub = await oidcAccount(a.email, true);
      const first = await viaOidc(sub);
      await t.http().post('/api/v1/auth/providers/link-existing').set('Cookie', first.cookie).send({ password: TEST_PASSWORD }).expect(200);
      const b = await createUser(t);
      const s = await signIn(t, b.email);
      const { res } = await viaOidc(sub, s.auth);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('IDENTITY_ALREADY_LINKED');
      expect(await identities(b.id)).toEqual([]);
    });
  });

  describe('the provider is the first factor only', () => {
    it('a linked user with TOTP is challenged after the provider and finishes with a code', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const { secret } = await enrolTotp(t, s.auth);
      const sub = await oidcAccount(user.email, true);
      const linking = await viaOidc(sub);
      expect(linking.res.body.status).toBe('link_required');
      // The account has 2FA: the password alone does not link it.
      const noCode = await t
        .http()
        .post('/api/v1/auth/providers/link-existing')
        .set('Cookie', linking.cookie)
        .send({ password: TEST_PASSWORD });
      expect(noCode.status).toBe(400);
      expect(noCode.body).toMatchObject({ code: 'MFA_CODE_REQUIRED', errors: [{ field: 'code' }] });
      await t
        .http()
        .post('/api/v1/auth/providers/link-existing')
        .set('Cookie', linking.cookie)
        .send({ password: TEST_PASSWORD, code: totpNow(t, secret) })
        .expect(200);
      t.clock.advance(30_000);

      const { res } = await viaOidc(sub);
      expect(res.body).toMatchObject({ status: 'mfa_required', provider: 'acme' });
      expect(res.body.session).toBeUndefined();
      const done = await t
        .http()
        .post('/api/v1/auth/login/mfa')
        .send({ challengeId: res.body.challengeId, method: 'totp', code: totpNow(t, secret) });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ status: 'authenticated', user: { id: user.id } });
    });

    it('an account requiring 2FA restricts the session of a member without it', async () => {
      const team = await createAccountWithTeam(t, 'Strict SSO');
      await enrolTotp(t, team.owner.session.auth);
      await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(200);
      const email = uniqueEmail('strict');
      const signup = await viaOidc(await oidcAccount(email, true));
      expect(signup.res.body.status).toBe('authenticated');
      await addMember(t, team.accountId, signup.res.body.user.id, AccountRole.Member);
      const sub = (await t.dataSource.query(`SELECT subject FROM connected_identities WHERE user_id = $1`, [signup.res.body.user.id]))[0]
        .subject;
      const { res } = await viaOidc(sub);
      expect(res.body).toMatchObject({ status: 'mfa_setup_required', user: { id: signup.res.body.user.id } });
    });
  });

  describe('My account: link and unlink with reauth', () => {
    it('links after reauth, lists it, mails, and unlinks after reauth with a mail', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      t.clock.advance(6 * 60_000);
      const refused = await t.http().post('/api/v1/me/connected-accounts/acme/start').set(s.auth).send({});
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'REAUTH_REQUIRED', errors: [{ field: 'password' }] });
      const providerEmail = uniqueEmail('work');
      const sub = await oidcAccount(providerEmail, false);
      // Linking from a signed-in account does not need the provider to vouch for the address.
      const { res } = await viaOidc(sub, s.auth, { password: TEST_PASSWORD });
      expect(res.body).toEqual({ status: 'linked', provider: 'acme' });
      const list = await t.http().get('/api/v1/me/connected-accounts').set(s.auth).expect(200);
      expect(list.body).toMatchObject({ hasPassword: true, items: [{ provider: 'acme', email: providerEmail }] });
      expect(list.body.items[0].linkedAt).toEqual(expect.any(String));
      await t.mail.waitFor((m) => m.to.includes(user.email) && /connected/.test(m.subject));
      const again = await t.http().post('/api/v1/me/connected-accounts/acme/start').set(s.auth).send({ password: TEST_PASSWORD });
      expect(again.status).toBe(409);

      const id = list.body.items[0].id as string;
      const noProof = await t.http().delete(`/api/v1/me/connected-accounts/${id}`).set(s.auth).send({});
      expect(noProof.status).toBe(403);
      await t.http().delete(`/api/v1/me/connected-accounts/${id}`).set(s.auth).send({ password: TEST_PASSWORD }).expect(204);
      expect((await t.http().get('/api/v1/me/connected-accounts').set(s.auth).expect(200)).body.items).toEqual([]);
      const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /disconnected/.test(m.subject));
      expect(mail.text).toContain(providerEmail);
      const audit = await t.dataSource.query(
        `SELECT action FROM audit_log WHERE subject_user_id = $1 AND action LIKE 'connected_account.%' ORDER BY occurred_at`,
        [user.id],
      );
      expect(audit.map((a: { action: string }) => a.action)).toEqual(['connected_account.linked', 'connected_account.unlinked']);
      await t.http().delete(`/api/v1/me/connected-accounts/${id}`).set(s.auth).send({ password: TEST_PASSWORD }).expect(404);
    });

    it('unlinking the last way to sign in is refused with what to add first', async () => {
      const signup = await viaOidc(await oidcAccount(uniqueEmail('only'), true));
      const auth = bearer(signup.res.body.session.token);
      const [item] = (await t.http().get('/api/v1/me/connected-accounts').set(auth).expect(200)).body.items;
      const res = await t.http().delete(`/api/v1/me/connected-accounts/${item.id}`).set(auth).send({});
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('LAST_SIGN_IN_METHOD');
      expect(res.body.detail).toMatch(/set a password .*passkey.*another account/);
    });

    it('a user without a password proves it is them by signing in at the provider again', async () => {
      const signup = await viaOidc(await oidcAccount(uniqueEmail('reauth'), true));
      const auth = bearer(signup.res.body.session.token);
      const sub = (await t.dataSource.query(`SELECT subject FROM connected_identities WHERE user_id = $1`, [signup.res.body.user.id]))[0]
        .subject;
      t.clock.advance(6 * 60_000);
      const refused = await t.http().post('/api/v1/me/connected-accounts/github/start').set(auth).send({});
      expect(refused.status).toBe(403);
      const flow = await start('acme', auth, { purpose: 'reauth' });
      const url = new URL(flow.authorizationUrl);
      expect(url.searchParams.get('prompt')).toBe('login');
      expect(url.searchParams.get('max_age')).toBe('0');
      await callback(await idp.signIn(flow.authorizationUrl, sub, `${CALLBACK}/acme/callback`), flow.cookie);
      expect((await result(flow.cookie).expect(200)).body).toEqual({ status: 'reauthenticated', provider: 'acme' });
      await t.http().post('/api/v1/me/connected-accounts/github/start').set(auth).send({}).expect(200);
      // Routes that always want proof (deleting the account) take the provider reauth as it, for 5 minutes.
      await t.http().delete('/api/v1/me').set(auth).send({}).expect(202);
    });

    it('a user without a password but with 2FA proves it with a code alone', async () => {
      const signup = await viaOidc(await oidcAccount(uniqueEmail('code-only'), true));
      const auth = bearer(signup.res.body.session.token);
      const { secret } = await enrolTotp(t, auth);
      t.clock.advance(6 * 60_000);
      const refused = await t.http().post('/api/v1/me/connected-accounts/github/start').set(auth).send({});
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'REAUTH_REQUIRED', errors: [{ field: 'code' }] });
      await t
        .http()
        .post('/api/v1/me/connected-accounts/github/start')
        .set(auth)
        .send({ code: totpNow(t, secret) })
        .expect(200);
    });
  });
});
