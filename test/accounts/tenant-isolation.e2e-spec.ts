import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { TestApp, createTestApp } from '../setup/test-app';

describe('Tenant isolation: a member of account A reaches nothing of account B', () => {
  let t: TestApp;
  let a: AccountWithTeam;
  let b: AccountWithTeam;
  let bInvitationId: string;

  beforeAll(async () => {
    t = await createTestApp();
    [a, b] = [await createAccountWithTeam(t, 'A'), await createAccountWithTeam(t, 'B')];
    const inv = await t
      .http()
      .post(`/api/v1/accounts/${b.accountId}/invitations`)
      .set(b.admin.session.auth)
      .send({ email: 'b-invitee@example.com', role: 'member' })
      .expect(201);
    bInvitationId = inv.body.id;
  });

  afterAll(async () => {
    await t.close();
  });

  it("A's owner gets 404 on every route of B, as for an unknown account", async () => {
    const auth = a.owner.session.auth;
    const base = `/api/v1/accounts/${b.accountId}`;
    const calls = [
      t.http().get(base),
      t.http().patch(base).send({ name: 'pwned' }),
      t.http().delete(base),
      t.http().get(`${base}/members`),
      t.http().get(`${base}/members.csv`),
      t.http().patch(`${base}/members/${b.member.id}`).send({ role: 'viewer' }),
      t.http().delete(`${base}/members/${b.member.id}`),
      t.http().get(`${base}/invitations`),
      t.http().delete(`${base}/invitations/${bInvitationId}`),
      t.http().post(`${base}/invitations/${bInvitationId}/resend`),
      t.http().get(`${base}/audit-log`),
      t.http().post(`${base}/transfer-ownership`).send({ userId: a.owner.id }),
    ];
    for (const call of calls) {
      const res = await call.set(auth);
      expect([res.status, res.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
    }
  });

  it("ids of B inside A's routes find nothing: members, invitations", async () => {
    const base = `/api/v1/accounts/${a.accountId}`;
    const auth = a.owner.session.auth;
    expect((await t.http().patch(`${base}/members/${b.member.id}`).set(auth).send({ role: 'viewer' })).body.code).toBe('MEMBER_NOT_FOUND');
    expect((await t.http().delete(`${base}/members/${b.member.id}`).set(auth)).body.code).toBe('MEMBER_NOT_FOUND');
    expect((await t.http().delete(`${base}/invitations/${bInvitationId}`).set(auth)).body.code).toBe('INVITATION_NOT_FOUND');
    expect((await t.http().post(`${base}/invitations/${bInvitationId}/resend`).set(auth)).body.code).toBe('INVITATION_NOT_FOUND');
    const transfer = await t.http().post(`${base}/transfer-ownership`).set(auth).send({ userId: b.owner.id }).expect(400);
    expect(transfer.body.errors[0].field).toBe('userId');
    // B is untouched.
    const bMembers = await t.http().get(`/api/v1/accounts/${b.accountId}/members`).set(b.owner.session.auth).expect(200);
    expect(bMembers.body.items.find((m: { userId: string }) => m.userId === b.member.id).role).toBe('member');
    const bInvites = await t.http().get(`/api/v1/accounts/${b.accountId}/invitations`).set(b.owner.session.auth).expect(200);
    expect(bInvites.body.items[0].status).toBe('pending');
  });

  it("A's audit log and members list show only A", async () => {
    await t
      .http()
      .patch(`/api/v1/accounts/${b.accountId}/members/${b.viewer.id}`)
      .set(b.owner.session.auth)
      .send({ role: 'member' })
      .expect(200);
    const log = await t.http().get(`/api/v1/accounts/${a.accountId}/audit-log?limit=100`).set(a.owner.session.auth).expect(200);
    expect(log.body.items.length).toBeGreaterThan(0);
    const text = JSON.stringify(log.body);
    expect(text).not.toContain(b.viewer.id);
    expect(text).not.toContain(b.accountId);
    const filtered = await t
      .http()
      .get(`/api/v1/accounts/${a.accountId}/audit-log`)
      .query({ actor: b.owner.id })
      .set(a.owner.session.auth)
      .expect(200);
    expect(filtered.body.items).toEqual([]);
    const members = await t.http().get(`/api/v1/accounts/${a.accountId}/members`).set(a.owner.session.auth).expect(200);
    expect(members.body.items.map((m: { userId: string }) => m.userId).sort()).toEqual(
      [a.owner.id, a.admin.id, a.member.id, a.viewer.id].sort(),
    );
  });

  it('a viewer cannot change anything', async () => {
    const base = `/api/v1/accounts/${a.accountId}`;
    const auth = a.viewer.session.auth;
    const writes = [
      t.http().patch(base).send({ name: 'x' }),
      t.http().delete(base),
      t.http().patch(`${base}/members/${a.member.id}`).send({ role: 'admin' }),
      t.http().patch(`${base}/members/${a.viewer.id}`).send({ role: 'owner' }),
      t.http().delete(`${base}/members/${a.member.id}`),
      t.http().post(`${base}/invitations`).send({ email: 'x@example.com', role: 'admin' }),
      t.http().post(`${base}/transfer-ownership`).send({ userId: a.viewer.id }),
    ];
    for (const w of writes) {
      const res = await w.set(auth);
      expect([res.status, res.body.code]).toEqual([403, 'ROLE_TOO_LOW']);
    }
  });

  it('an admin cannot touch an owner, grant owner or invite an owner', async () => {
    const base = `/api/v1/accounts/${a.accountId}`;
    const auth = a.admin.session.auth;
    expect((await t.http().patch(`${base}/members/${a.owner.id}`).set(auth).send({ role: 'viewer' })).body.code).toBe('OWNER_ONLY');
    expect((await t.http().delete(`${base}/members/${a.owner.id}`).set(auth)).body.code).toBe('OWNER_ONLY');
    expect((await t.http().patch(`${base}/members/${a.member.id}`).set(auth).send({ role: 'owner' })).body.code).toBe('OWNER_ONLY');
    expect((await t.http().post(`${base}/invitations`).set(auth).send({ email: 'boss@example.com', role: 'owner' })).body.code).toBe(
      'OWNER_ONLY',
    );
    const res = await t.http().patch(`${base}/members/${a.member.id}`).set(auth).send({ role: 'viewer' }).expect(200);
    expect(res.body.role).toBe('viewer');
  });
});
