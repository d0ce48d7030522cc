import { DeletionSweep } from '@latchkey/accounts';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

describe('Ownership: the last owner stays, transfer, account and user deletion', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('the last owner can neither be demoted nor leave', async () => {
    const team = await createAccountWithTeam(t);
    const base = `/api/v1/accounts/${team.accountId}`;
    const demote = await t
      .http()
      .patch(`${base}/members/${team.owner.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'admin' })
      .expect(409);
    expect(demote.body.code).toBe('LAST_OWNER');
    const leave = await t.http().delete(`${base}/members/${team.owner.id}`).set(team.owner.session.auth).expect(409);
    expect(leave.body.code).toBe('LAST_OWNER');
  });

  it('transfers ownership, emails the new owner, and the old owner becomes admin', async () => {
    const team = await createAccountWithTeam(t, 'Handover');
    const base = `/api/v1/accounts/${team.accountId}`;
    await t.http().post(`${base}/transfer-ownership`).set(team.admin.session.auth).send({ userId: team.member.id }).expect(403);
    await t.http().post(`${base}/transfer-ownership`).set(team.owner.session.auth).send({ userId: team.member.id }).expect(204);
    const members = await t.http().get(`${base}/members`).set(team.member.session.auth).expect(200);
    const roles = Object.fromEntries(members.body.items.map((m: { userId: string; role: string }) => [m.userId, m.role]));
    expect(roles[team.member.id]).toBe('owner');
    expect(roles[team.owner.id]).toBe('admin');
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.member.email) && /owner of Handover/.test(m.subject));
    expect(mail.text).toContain('Handover');
    const log = await t
      .http()
      .get(`${base}/audit-log`)
      .query({ action: 'account.ownership_transferred' })
      .set(team.member.session.auth)
      .expect(200);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ actorUserId: team.owner.id, subjectUserId: team.member.id, ip: expect.any(String) });
  });

  it('a transfer from a session older than 5 minutes needs the password', async () => {
    const team = await createAccountWithTeam(t);
    const url = `/api/v1/accounts/${team.accountId}/transfer-ownership`;
    t.clock.advance(10 * 60_000);
    const res = await t.http().post(url).set(team.owner.session.auth).send({ userId: team.admin.id }).expect(403);
    expect(res.body.code).toBe('REAUTH_REQUIRED');
    await t.http().post(url).set(team.owner.session.auth).send({ userId: team.admin.id, password: team.owner.password }).expect(204);
  });

  it('role changes email the member and land in the audit log, filterable by time', async () => {
    const team = await createAccountWithTeam(t, 'Roles Inc');
    const before = t.clock.now().toISOString();
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.viewer.id}`)
      .set(team.admin.session.auth)
      .send({ role: 'member' })
      .expect(200);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.viewer.email) && /role in Roles Inc/.test(m.subject));
    expect(mail.text).toContain('from viewer to member');
    const log = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log`)
      .query({ action: 'member.role_changed', from: before, actor: team.admin.id })
      .set(team.owner.session.auth)
      .expect(200);
    expect(log.body.items).toEqual([
      expect.objectContaining({ subjectUserId: team.viewer.id, metadata: { from: 'viewer', to: 'member' } }),
    ]);
    const none = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log`)
      .query({ to: before, action: 'member.role_changed' })
      .set(team.owner.session.auth)
      .expect(200);
    expect(none.body.items).toEqual([]);
    await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log`)
      .query({ from: 'yesterday' })
      .set(team.owner.session.auth)
      .expect(400);
  });

  it('deleting the account needs the owner and reauth', async () => {
    const team = await createAccountWithTeam(t);
    const base = `/api/v1/accounts/${team.accountId}`;
    await t.http().delete(base).set(team.admin.session.auth).send({ password: team.admin.password }).expect(403);
    t.clock.advance(10 * 60_000);
    const noProof = await t.http().delete(base).set(team.owner.session.auth).send({}).expect(403);
    expect(noProof.body).toMatchObject({ code: 'REAUTH_REQUIRED', errors: [{ field: 'password' }] });
    await t.http().delete(base).set(team.owner.session.auth).send({ password: 'wrong-password-123' }).expect(400);
    await t.http().delete(base).set(team.owner.session.auth).send({ password: team.owner.password }).expect(204);
    await t.http().get(base).set(team.owner.session.auth).expect(404);
  });

  it('DELETE /me is refused for the sole owner of an account with other members, then works after a transfer', async () => {
    const team = await createAccountWithTeam(t);
    const refused = await t.http().delete('/api/v1/me').set(team.owner.session.auth).send({ password: team.owner.password }).expect(409);
    expect(refused.body).toMatchObject({ code: 'SOLE_OWNER', accountIds: [team.accountId] });
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/transfer-ownership`)
      .set(team.owner.session.auth)
      .send({ userId: team.admin.id })
      .expect(204);
    await t.http().delete('/api/v1/me').set(team.owner.session.auth).send({ password: team.owner.password }).expect(202);
    await t.http().get('/api/v1/me').set(team.owner.session.auth).expect(401);
    t.clock.advance(14 * 24 * 3600_000 + 60_000);
    await t.app.get(DeletionSweep).eraseDue();
    const admin = await signIn(t, team.admin.email);
    const members = await t.http().get(`/api/v1/accounts/${team.accountId}/members`).set(admin.auth).expect(200);
    expect(members.body.items.map((m: { userId: string }) => m.userId)).not.toContain(team.owner.id);
  });

  it('DELETE /me takes along an account where the user is the only member', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const acc = await t.http().post('/api/v1/accounts').set(s.auth).send({ name: 'Solo' }).expect(201);
    t.clock.advance(10 * 60_000);
    expect((await t.http().delete('/api/v1/me').set(s.auth).send({}).expect(403)).body.code).toBe('REAUTH_REQUIRED');
    await t.http().delete('/api/v1/me').set(s.auth).send({ password: user.password }).expect(202);
    const count = async () =>
      (await t.dataSource.query(`SELECT count(*)::int AS n FROM accounts WHERE id = $1`, [acc.body.id]))[0].n as number;
    expect(await count()).toBe(1);
    t.clock.advance(14 * 24 * 3600_000 + 60_000);
    await t.app.get(DeletionSweep).eraseDue();
    expect(await count()).toBe(0);
  });
});
