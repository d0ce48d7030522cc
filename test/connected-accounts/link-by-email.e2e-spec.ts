import { createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { CapturedMail, tokenFrom } from '../fakes/smtp-sink';
import { OidcProviderFake } from '../fakes/oidc-provider-fake';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { CALLBACK, PUBLIC_URL, acmeSettings, flowCookie, startAcmeIdp } from './provider-helpers';

/**
 * link_required answered by an emailed link instead of the password: for users who have none
 * (signed up through another provider, passkey only). The link goes to the account's own
 * address, works once, only in the browser of the flow, and only while the provider still
 * vouches for that address.
 */
describe('Connected accounts: proving the existing account by an emailed link', () => {
  let t: TestApp;
  let idp: OidcProviderFake;

  beforeAll(async () => {
    idp = await startAcmeIdp();
    t = await createTestApp({ env: acmeSettings(idp) });
  });

  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  let subjects = 0;
  async function linkRequired(email: string): Promise<string> {
    const sub = `mail-sub-${++subjects}-${Date.now()}`;
    await idp.setAccounts({ [sub]: { email, email_verified: true, name: 'Ada Provider' } });
    const started = await t.http().post('/api/v1/auth/providers/acme/start').send({}).expect(200);
    const cookie = flowCookie(started);
    const back = new URL(await idp.signIn(started.body.authorizationUrl, sub, `${CALLBACK}/acme/callback`));
    await t.http().get(`${back.pathname}${back.search}`).set('Cookie', cookie).expect(302);
    const res = await t.http().post('/api/v1/auth/providers/result').set('Cookie', cookie).send({}).expect(200);
    expect(res.body).toEqual({ status: 'link_required', provider: 'acme', email });
    return cookie;
  }

  const askForLink = (cookie?: string) => {
    const req = t.http().post('/api/v1/auth/providers/link-by-email');
    return (cookie ? req.set('Cookie', cookie) : req).send({});
  };
  const confirm = (token: string, cookie?: string) => {
    const req = t.http().post('/api/v1/auth/providers/link-by-email/confirm');
    return (cookie ? req.set('Cookie', cookie) : req).send({ token });
  };
  const linkMail = (email: string): Promise<CapturedMail> =>
    t.mail.waitFor((m) => m.to.includes(email) && /Connect your Acme SSO sign-in/.test(m.subject));
  const identities = (userId: string) =>
    t.dataSource.query(`SELECT provider, email FROM connected_identities WHERE user_id = $1`, [userId]);
  const withoutPassword = async () => {
    const user = await createUser(t);
    await t.dataSource.query(`UPDATE users SET password_hash = NULL WHERE id = $1`, [user.id]);
    return user;
  };

  it('a user without a password gets the link at their address; it links and signs in once, in this browser', async () => {
    const owner = await withoutPassword();
    const cookie = await linkRequired(owner.email);
    const sent = await askForLink(cookie).expect(202);
    expect(sent.body).toMatchObject({ status: 'sent' });
    // The flow (and its cookie) lives on as long as the link.
    expect(flowCookie(sent)).toBe(cookie);
    expect(((sent.headers['set-cookie'] as unknown as string[]) ?? []).find((c) => c.startsWith('lk_provider_flow='))).toMatch(
      /Max-Age=(599|600);/,
    );
    const mail = await linkMail(owner.email);
    expect(mail.to).toEqual([owner.email]);
    expect(mail.text).toContain(`${PUBLIC_URL}/admin/#/link-account?token=`);
    const token = tokenFrom(mail);
    // Only the hash is stored.
    const stored = await t.dataSource.query(`SELECT token_hash FROM user_tokens WHERE user_id = $1 AND purpose = 'provider_link'`, [
      owner.id,
    ]);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toContain(token);

    // Another browser (no flow cookie, or another flow's) cannot use it, and does not burn it.
    const elsewhere = await confirm(token).expect(400);
    expect(elsewhere.body).toMatchObject({ code: 'PROVIDER_FLOW_INVALID', errors: [{ field: 'flow' }] });
    const attacker = await withoutPassword();
    const otherFlow = await linkRequired(attacker.email);
    const crossed = await confirm(token, otherFlow).expect(400);
    expect(crossed.body).toMatchObject({ code: 'PROVIDER_LINK_INVALID', errors: [{ field: 'token' }] });
    expect(await identities(owner.id)).toEqual([]);

    const done = await confirm(token, cookie).expect(200);
    expect(done.body).toMatchObject({ status: 'authenticated', provider: 'acme', user: { id: owner.id } });
    expect(((done.headers['set-cookie'] as unknown as string[]) ?? []).some((c) => c.startsWith('lk_session='))).toBe(true);
    expect(await identities(owner.id)).toEqual([{ provider: 'acme', email: owner.email }]);
    const audit = await t.dataSource.query(
      `SELECT action FROM audit_log WHERE subject_user_id = $1 AND action = 'connected_account.linked'`,
      [owner.id],
    );
    expect(audit).toHaveLength(1);
    await t.mail.waitFor((m) => m.to.includes(owner.email) && /Acme SSO account was connected/.test(m.subject));
    // Single use.
    await confirm(token, cookie).expect(400);
  });

  it('an expired link (and flow) is refused and links nothing', async () => {
    const owner = await withoutPassword();
    const cookie = await linkRequired(owner.email);
    await askForLink(cookie).expect(202);
    const token = tokenFrom(await linkMail(owner.email));
    t.clock.advance(11 * 60_000);
    const res = await confirm(token, cookie).expect(400);
    expect(res.body).toMatchObject({ code: 'PROVIDER_FLOW_INVALID' });
    expect(await identities(owner.id)).toEqual([]);
  });

  it('a second link voids the first', async () => {
    const owner = await withoutPassword();
    const cookie = await linkRequired(owner.email);
    await askForLink(cookie).expect(202);
    const first = tokenFrom(await linkMail(owner.email));
    t.clock.advance(1000);
    await askForLink(cookie).expect(202);
    const second = tokenFrom(
      await t.mail.waitFor((m) => m.to.includes(owner.email) && /Connect your/.test(m.subject) && !m.text.includes(first)),
    );
    expect((await confirm(first, cookie).expect(400)).body).toMatchObject({ code: 'PROVIDER_LINK_INVALID' });
    await confirm(second, cookie).expect(200);
  });

  it('refuses when the provider no longer vouches for the address (unverified), linking nothing', async () => {
    const owner = await withoutPassword();
    const cookie = await linkRequired(owner.email);
    await askForLink(cookie).expect(202);
    const token = tokenFrom(await linkMail(owner.email));
    await t.dataSource.query(
      `UPDATE connected_account_flows SET identity = jsonb_set(identity, '{emailVerified}', 'false') WHERE user_id = $1 AND stage = 'link_required'`,
      [owner.id],
    );
    const res = await confirm(token, cookie).expect(403);
    expect(res.body).toMatchObject({ code: 'PROVIDER_EMAIL_UNVERIFIED', errors: [{ field: 'email' }] });
    expect(await identities(owner.id)).toEqual([]);
  });

  it('no enumeration: without a waiting flow nothing is mailed, and the answer never names an address', async () => {
    const res = await askForLink().expect(400);
    expect(res.body).toMatchObject({ code: 'PROVIDER_FLOW_INVALID', errors: [{ field: 'flow' }] });
    // A body naming another address is not a thing the route reads: the mail goes to the account.
    const owner = await withoutPassword();
    const cookie = await linkRequired(owner.email);
    const other = uniqueEmail('elsewhere');
    const sent = await t.http().post('/api/v1/auth/providers/link-by-email').set('Cookie', cookie).send({ email: other });
    expect(sent.status).toBe(202);
    expect(JSON.stringify(sent.body)).not.toContain(owner.email);
    expect((await linkMail(owner.email)).to).toEqual([owner.email]);
    expect(t.mail.messages.some((m) => m.to.includes(other))).toBe(false);
  });

  it('is capped per address like the other mails', async () => {
    const owner = await withoutPassword();
    const cookie = await linkRequired(owner.email);
    let last = 202;
    for (let i = 0; i < 30 && last === 202; i++) {
      last = (await askForLink(cookie)).status;
    }
    expect(last).toBe(429);
  });

  it('a user with 2FA is challenged after the link, and finishes with a code', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const cookie = await linkRequired(user.email);
    await askForLink(cookie).expect(202);
    const res = await confirm(tokenFrom(await linkMail(user.email)), cookie).expect(200);
    expect(res.body).toMatchObject({ status: 'mfa_required', provider: 'acme' });
    expect(res.body.session).toBeUndefined();
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: res.body.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
    expect(done.body).toMatchObject({ status: 'authenticated', user: { id: user.id } });
  });
});
