import { tokenFrom } from '../fakes/smtp-sink';
import { createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { makeStaff } from '../support/support-helpers';
import { TestApp, createTestApp } from '../setup/test-app';

describe('Owner and support tools: assisted password reset, audit entries with names, deleting yourself', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const resetMails = (email: string) => t.mail.to(email).filter((m) => /Reset your password/.test(m.subject));

  it('an admin sends a member the reset mail; the token reaches only the member and works once', async () => {
    const team = await createAccountWithTeam(t);
    const res = await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/members/${team.member.id}/password-reset`)
      .set(team.admin.session.auth)
      .expect(202);
    expect(res.body).toEqual({ status: 'accepted', detail: expect.any(String) });
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.member.email) && /Reset your password/.test(m.subject));
    expect(mail.text).toContain('http://latchkey.test/admin/#/reset-password?token=');
    const token = tokenFrom(mail);
    expect(JSON.stringify(res.body)).not.toContain(token);

    await t.http().post('/api/v1/auth/password/reset').send({ token, newPassword: 'copper-meadow-violin-58' }).expect(200);
    await signIn(t, team.member.email, 'copper-meadow-violin-58');

    const [entry] = await t.dataSource.query(
      `SELECT actor_user_id, actor_kind, account_id FROM audit_log WHERE action = 'user.password_reset_sent' AND subject_user_id = $1`,
      [team.member.id],
    );
    expect(entry).toEqual({ actor_user_id: team.admin.id, actor_kind: 'user', account_id: team.accountId });
  });

  it('only an owner sends it to an owner; members, outsiders and strangers to the account are refused', async () => {
    const team = await createAccountWithTeam(t);
    const path = (userId: string) => `/api/v1/accounts/${team.accountId}/members/${userId}/password-reset`;
    expect((await t.http().post(path(team.owner.id)).set(team.admin.session.auth).expect(403)).body.code).toBe('OWNER_ONLY');
    await t.http().post(path(team.admin.id)).set(team.owner.session.auth).expect(202);
    await t.http().post(path(team.viewer.id)).set(team.member.session.auth).expect(403);
    await t.http().post(path(team.viewer.id)).set(team.outsider.session.auth).expect(404);
    const notMember = await t.http().post(path(team.outsider.id)).set(team.admin.session.auth).expect(404);
    expect(notMember.body.code).toBe('MEMBER_NOT_FOUND');
    const bad = await t.http().post(path('not-a-uuid')).set(team.admin.session.auth).expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'userId' })]);
    await t.settle();
    expect(resetMails(team.owner.email)).toHaveLength(0);
    expect(resetMails(team.outsider.email)).toHaveLength(0);
  });

  it('is throttled per member: the fourth mail within an hour is refused', async () => {
    const team = await createAccountWithTeam(t);
    const path = `/api/v1/accounts/${team.accountId}/members/${team.viewer.id}/password-reset`;
    for (let i = 0; i < 3; i++) {
      await t.http().post(path).set(team.admin.session.auth).expect(202);
    }
    const limited = await t.http().post(path).set(team.owner.session.auth).expect(429);
    expect(limited.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.settle();
    expect(resetMails(team.viewer.email)).toHaveLength(3);
  });

  it('a support agent sends any user the reset mail; other users cannot reach the route', async () => {
    const user = await createUser(t);
    const agent = await makeStaff(t, 'support');
    const agentSession = agent;
    await t.http().post(`/api/v1/admin/users/${user.id}/password-reset`).set(agentSession.auth).expect(202);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /Reset your password/.test(m.subject));
    const [entry] = await t.dataSource.query(
      `SELECT actor_user_id, actor_kind FROM audit_log WHERE action = 'user.password_reset_sent' AND subject_user_id = $1`,
      [user.id],
    );
    expect(entry).toEqual({ actor_user_id: agent.id, actor_kind: 'staff' });

    const plain = await signIn(t, (await createUser(t)).email);
    await t.http().post(`/api/v1/admin/users/${user.id}/password-reset`).set(plain.auth).expect(404);
    await t.http().post(`/api/v1/admin/users/00000000-0000-4000-8000-000000000000/password-reset`).set(agentSession.auth).expect(404);
  });

  it('audit entries carry the names and emails of the actor and the subject', async () => {
    const team = await createAccountWithTeam(t);
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.member.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'admin' })
      .expect(200);
    const page = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log?action=member.role_changed`)
      .set(team.admin.session.auth)
      .expect(200);
    expect(page.body.items[0]).toMatchObject({
      action: 'member.role_changed',
      actorKind: 'user',
      actor: { id: team.owner.id, email: team.owner.email, displayName: 'The owner' },
      subject: { id: team.member.id, email: team.member.email, displayName: 'The member' },
      metadata: { from: 'member', to: 'admin' },
    });
    const created = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log?action=account.created`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(created.body.items[0]).toMatchObject({ actor: { email: team.owner.email }, subject: null });
  });

  it('deleting yourself always needs the password, and a code when 2FA is on', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await enrolTotp(t, s.auth);
    expect((await t.http().delete('/api/v1/me').set(s.auth).send({}).expect(403)).body.code).toBe('REAUTH_REQUIRED');
    const noCode = await t.http().delete('/api/v1/me').set(s.auth).send({ password: TEST_PASSWORD }).expect(400);
    expect(noCode.body).toMatchObject({ code: 'MFA_CODE_REQUIRED', errors: [{ field: 'code' }] });
    await t.http().get('/api/v1/me').set(s.auth).expect(200);
  });

  it('the sole-owner refusal names the accounts to hand over', async () => {
    const team = await createAccountWithTeam(t, 'Handover Ltd');
    const refused = await t.http().delete('/api/v1/me').set(team.owner.session.auth).send({ password: TEST_PASSWORD }).expect(409);
    expect(refused.body).toMatchObject({
      code: 'SOLE_OWNER',
      accountIds: [team.accountId],
      accounts: [{ accountId: team.accountId, name: 'Handover Ltd', members: 4 }],
    });
  });

  it('with the password and a current code, a 2FA user is scheduled for deletion and signed out', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    await t
      .http()
      .delete('/api/v1/me')
      .set(s.auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, secret) })
      .expect(202);
    await t.http().get('/api/v1/me').set(s.auth).expect(401);
    const [{ at }] = await t.dataSource.query(`SELECT deletion_scheduled_for AS at FROM users WHERE id = $1`, [user.id]);
    expect(at).not.toBeNull();
  });

  it('the OpenAPI document describes the new routes with their real statuses and problem answers', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();
    // Each route's own answers; the ones every guarded write shares (400, 401, 403, 413, 415) come from the central policy.
    const has = (path: string, method: string, expected: string[]) =>
      expect([path, method, statuses(path, method)]).toEqual([path, method, expect.arrayContaining(expected)]);
    has('/api/v1/accounts/{accountId}/members/{userId}/password-reset', 'post', ['202', '400', '401', '403', '404', '429']);
    has('/api/v1/admin/users/{id}/password-reset', 'post', ['202', '400', '401', '403', '404', '429']);
    has('/api/v1/me/email/pending', 'get', ['200', '401', '403']);
    has('/api/v1/me/email/pending', 'delete', ['204', '401', '403', '404']);
    has('/api/v1/me/email/pending/resend', 'post', ['202', '401', '403', '404', '429']);
    has('/api/v1/me', 'delete', ['202', '400', '401', '403', '409']);
    const resend = doc.paths['/api/v1/me/email/pending/resend']!.post!.responses;
    expect(Object.keys(resend['429']!.content ?? {})).toEqual(['application/problem+json']);
    expect(JSON.stringify(doc.paths['/api/v1/support/tickets']!.get)).toContain('"name":"q"');
  });
});
