import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { enrolTotp, startChallenge, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';

const NEW_PASSWORD = 'amber-canyon-whistle-81';

describe('Invitations: single use, 7 days, revocable, resendable', () => {
  let t: TestApp;
  let team: AccountWithTeam;

  beforeAll(async () => {
    t = await createTestApp();
    team = await createAccountWithTeam(t, 'Invite Co');
  });

  afterAll(async () => {
    await t.close();
  });

  async function invite(email: string, role = 'member'): Promise<{ id: string; token: string }> {
    const res = await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.admin.session.auth)
      .send({ email, role })
      .expect(201);
    await t.settle();
    const mail = await t.mail.waitFor(
      (m) => m.to.includes(email.toLowerCase()) && /Invite Co/.test(m.subject) && !usedTokens.has(tokenOf(m.text)),
    );
    const token = tokenOf(mail.text);
    usedTokens.add(token);
    return { id: res.body.id, token };
  }
  const usedTokens = new Set<string>();
  const tokenOf = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';

  it('emails a link to the console page from PUBLIC_URL; a new user accepts once with a password and is signed in', async () => {
    const email = uniqueEmail('invitee');
    const { token } = await invite(email);
    const mail = t.mail.messages.find((m) => m.text.includes(token))!;
    expect(mail.text).toContain(`http://latchkey.test/admin/#/accept-invitation?token=${token}`);
    const preview = await t.http().get(`/api/v1/invitations/${token}`).expect(200);
    expect(preview.body).toEqual({
      accountName: 'Invite Co',
      inviterName: 'The admin',
      role: 'member',
      email: email.toLowerCase(),
      expiresAt: expect.any(String),
      existingUser: false,
    });
    const missing = await t.http().post(`/api/v1/invitations/${token}/accept`).send({}).expect(400);
    expect(missing.body.errors).toEqual([{ field: 'password', message: 'is required: choose a password' }]);
    const weak = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: 'password' }).expect(400);
    expect(weak.body.errors[0].field).toBe('password');
    const ok = await t
      .http()
      .post(`/api/v1/invitations/${token}/accept`)
      .send({ password: NEW_PASSWORD, displayName: 'New Person' })
      .expect(200);
    expect(ok.body).toMatchObject({ accountId: team.accountId, role: 'member', created: true, status: 'authenticated' });
    const mine = await t
      .http()
      .get('/api/v1/me/accounts')
      .set({ Authorization: `Bearer ${ok.body.session.token}` })
      .expect(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ accountId: team.accountId, role: 'member' })]);
    const again = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: NEW_PASSWORD }).expect(410);
    expect(again.body.code).toBe('INVITATION_USED');
    const gone = await t.http().get(`/api/v1/invitations/${token}`).expect(410);
    expect(gone.headers['content-type']).toContain('application/problem+json');
    expect(gone.body.code).toBe('INVITATION_USED');
    await signIn(t, email, NEW_PASSWORD);
    const activity = await t
      .http()
      .get('/api/v1/me/login-activity')
      .set({ Authorization: `Bearer ${ok.body.session.token}` })
      .expect(200);
    expect(activity.body.items.map((a: { outcome: string }) => a.outcome)).toEqual(['success', 'success']);
  });

  it('a new person in an account that requires 2FA gets a session restricted to enrolment', async () => {
    const strict = await createAccountWithTeam(t, 'Strict Invite Co');
    await enrolTotp(t, strict.owner.session.auth);
    await t.http().patch(`/api/v1/accounts/${strict.accountId}`).set(strict.owner.session.auth).send({ require2fa: true }).expect(200);
    const email = uniqueEmail('strict');
    await t
      .http()
      .post(`/api/v1/accounts/${strict.accountId}/invitations`)
      .set(strict.owner.session.auth)
      .send({ email, role: 'member' })
      .expect(201);
    await t.settle();
    const token = tokenOf((await t.mail.waitFor((m) => m.to.includes(email) && /Strict Invite Co/.test(m.subject))).text);
    const ok = await t
      .http()
      .post(`/api/v1/invitations/${token}/accept`)
      .send({ password: NEW_PASSWORD, displayName: 'Strict Person' })
      .expect(200);
    expect(ok.body).toMatchObject({ created: true, status: 'mfa_setup_required' });
    const auth = { Authorization: `Bearer ${ok.body.session.token}` };
    const blocked = await t.http().get('/api/v1/me/accounts').set(auth).expect(403);
    expect(blocked.body.code).toBe('MFA_SETUP_REQUIRED');
    await enrolTotp(t, auth);
    const mine = await t.http().get('/api/v1/me/accounts').set(auth).expect(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ accountId: strict.accountId, role: 'member' })]);
  });

  it('does not work after 7 days', async () => {
    const { token } = await invite(uniqueEmail('late'));
    t.clock.advance(7 * 24 * 3600_000 + 1000);
    try {
      const res = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: NEW_PASSWORD }).expect(410);
      expect(res.body.code).toBe('INVITATION_EXPIRED');
      const preview = await t.http().get(`/api/v1/invitations/${token}`).expect(410);
      expect(preview.body.code).toBe('INVITATION_EXPIRED');
    } finally {
      t.clock.advance(-(7 * 24 * 3600_000 + 1000));
    }
  });

  it('an existing user joins only with their own session; another address gets 403', async () => {
    const existing = await createUser(t);
    const s = await signIn(t, existing.email);
    const first = await invite(existing.email, 'viewer');
    const preview = await t.http().get(`/api/v1/invitations/${first.token}`).expect(200);
    expect(preview.body).toMatchObject({ existingUser: true, role: 'viewer' });
    const other = await createUser(t);
    const otherSession = await signIn(t, other.email);
    const mismatch = await t.http().post(`/api/v1/invitations/${first.token}/accept`).set(otherSession.auth).send({}).expect(403);
    expect(mismatch.body.code).toBe('INVITATION_EMAIL_MISMATCH');
    const joined = await t.http().post(`/api/v1/invitations/${first.token}/accept`).set(s.auth).send({}).expect(200);
    expect(joined.body).toMatchObject({ created: false, role: 'viewer', userId: existing.id });
    expect(joined.body.session).toBeUndefined();
  });

  it('one door: without a session an existing user is told to sign in, whatever password is sent, and no session is issued', async () => {
    const existing = await createUser(t);
    const { token } = await invite(existing.email);
    const before = await t.dataSource.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [existing.id]);
    for (const password of [existing.password, 'not-the-password-1', undefined]) {
      const res = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password }).expect(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'SIGN_IN_REQUIRED', detail: expect.stringContaining('sign in') });
      expect(res.body.session).toBeUndefined();
    }
    const after = await t.dataSource.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [existing.id]);
    expect(after).toEqual(before);
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM memberships WHERE user_id = $1 AND account_id = $2', [
      existing.id,
      team.accountId,
    ]);
    expect(n).toBe(0);
  });

  it('a TOTP user accepting an invitation gets the second-factor challenge, then accepts with the session', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const { token } = await invite(user.email, 'admin');
    await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: user.password }).expect(401);
    const challenge = await startChallenge(t, user.email, user.password);
    expect(challenge.methods).toContain('totp');
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
    const auth = { Authorization: `Bearer ${done.body.session.token}` };
    const joined = await t.http().post(`/api/v1/invitations/${token}/accept`).set(auth).send({}).expect(200);
    expect(joined.body).toMatchObject({ created: false, role: 'admin', userId: user.id });
  });

  it('a session restricted to enrolment, or a cookie without the CSRF token, cannot accept for the user', async () => {
    const strict = await createAccountWithTeam(t, 'Strict Elsewhere');
    await enrolTotp(t, strict.owner.session.auth);
    await t.http().patch(`/api/v1/accounts/${strict.accountId}`).set(strict.owner.session.auth).send({ require2fa: true }).expect(200);
    const { token } = await invite(strict.member.email);
    const restricted = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: strict.member.email, password: strict.member.password })
      .expect(200);
    expect(restricted.body.status).toBe('mfa_setup_required');
    const res = await t
      .http()
      .post(`/api/v1/invitations/${token}/accept`)
      .set({ Authorization: `Bearer ${restricted.body.session.token}` })
      .send({})
      .expect(403);
    expect(res.body.code).toBe('MFA_SETUP_REQUIRED');

    const plain = await createUser(t);
    const invited = await invite(plain.email);
    const login = await t.http().post('/api/v1/auth/login').send({ email: plain.email, password: plain.password }).expect(200);
    const cookie = `lk_session=${login.body.session.token}; lk_csrf=${login.body.csrfToken}`;
    const forged = await t.http().post(`/api/v1/invitations/${invited.token}/accept`).set('Cookie', cookie).send({}).expect(401);
    expect(forged.body.code).toBe('SIGN_IN_REQUIRED');
    await t
      .http()
      .post(`/api/v1/invitations/${invited.token}/accept`)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', login.body.csrfToken)
      .send({})
      .expect(200);
  });

  it('a revoked invitation stops working; resend issues a new link and kills the old one', async () => {
    const email = uniqueEmail('revoked');
    const { id, token } = await invite(email);
    await t.http().delete(`/api/v1/accounts/${team.accountId}/invitations/${id}`).set(team.admin.session.auth).expect(204);
    await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: NEW_PASSWORD }).expect(404);
    const list = await t.http().get(`/api/v1/accounts/${team.accountId}/invitations`).set(team.admin.session.auth).expect(200);
    expect(list.body.items.find((i: { id: string }) => i.id === id).status).toBe('revoked');

    await t.http().post(`/api/v1/accounts/${team.accountId}/invitations/${id}/resend`).set(team.admin.session.auth).expect(200);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(email) && !usedTokens.has(tokenOf(m.text)));
    const fresh = tokenOf(mail.text);
    expect(fresh).not.toBe(token);
    await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: NEW_PASSWORD }).expect(404);
    await t.http().post(`/api/v1/invitations/${fresh}/accept`).send({ password: NEW_PASSWORD }).expect(200);
  });

  it('refuses inviting a member twice, bad emails and roles, naming the field', async () => {
    const dup = await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.admin.session.auth)
      .send({ email: team.member.email, role: 'viewer' })
      .expect(409);
    expect(dup.body.code).toBe('ALREADY_MEMBER');
    const bad = await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.admin.session.auth)
      .send({ email: 'nope', role: 'king' })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'role']);
    await t.http().post('/api/v1/invitations/not-a-token/accept').send({ password: NEW_PASSWORD }).expect(404);
    const unknown = await t.http().get('/api/v1/invitations/not-a-token').expect(404);
    expect(unknown.body).toMatchObject({ code: 'INVITATION_NOT_FOUND', detail: expect.stringContaining('ask for a new invitation') });
  });

  it('the audit log records invitations', async () => {
    const log = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log`)
      .query({ action: 'invitation.accepted', limit: 1 })
      .set(team.owner.session.auth)
      .expect(200);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.nextCursor).toEqual(expect.any(String));
    const next = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log`)
      .query({ action: 'invitation.accepted', limit: 1, cursor: log.body.nextCursor })
      .set(team.owner.session.auth)
      .expect(200);
    expect(next.body.items[0].id).not.toBe(log.body.items[0].id);
  });
});
