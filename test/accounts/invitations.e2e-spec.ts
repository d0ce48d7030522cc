import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn, uniqueEmail } from '../factories/users.factory';
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

  it('emails a link from PUBLIC_URL; a new user accepts once with a password and is signed in', async () => {
    const email = uniqueEmail('invitee');
    const { token } = await invite(email);
    const mail = t.mail.messages.find((m) => m.text.includes(token))!;
    expect(mail.text).toContain(`http://latchkey.test/invitations/accept?token=${token}`);
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
    await signIn(t, email, NEW_PASSWORD);
  });

  it('does not work after 7 days', async () => {
    const { token } = await invite(uniqueEmail('late'));
    t.clock.advance(7 * 24 * 3600_000 + 1000);
    try {
      const res = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: NEW_PASSWORD }).expect(410);
      expect(res.body.code).toBe('INVITATION_EXPIRED');
    } finally {
      t.clock.advance(-(7 * 24 * 3600_000 + 1000));
    }
  });

  it('an existing user joins with their session, or with their password', async () => {
    const existing = await createUser(t);
    const s = await signIn(t, existing.email);
    const first = await invite(existing.email, 'viewer');
    const other = await createUser(t);
    const otherSession = await signIn(t, other.email);
    const mismatch = await t.http().post(`/api/v1/invitations/${first.token}/accept`).set(otherSession.auth).send({}).expect(403);
    expect(mismatch.body.code).toBe('INVITATION_EMAIL_MISMATCH');
    const joined = await t.http().post(`/api/v1/invitations/${first.token}/accept`).set(s.auth).send({}).expect(200);
    expect(joined.body).toMatchObject({ created: false, role: 'viewer', userId: existing.id });
    expect(joined.body.session).toBeUndefined();

    const second = await createUser(t);
    const { token } = await invite(second.email);
    const wrong = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: 'not-the-password-1' }).expect(400);
    expect(wrong.body.errors[0].field).toBe('password');
    const ok = await t.http().post(`/api/v1/invitations/${token}/accept`).send({ password: second.password }).expect(200);
    expect(ok.body).toMatchObject({ created: false, userId: second.id, status: 'authenticated' });
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
