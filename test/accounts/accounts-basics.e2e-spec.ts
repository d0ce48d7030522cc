import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

describe('Accounts: creation, reading, members report', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates an account with the creator as owner and lists it under me/accounts', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const created = await t.http().post('/api/v1/accounts').set(s.auth).send({ name: 'Mine' }).expect(201);
    expect(created.body).toMatchObject({ name: 'Mine', role: 'owner', require2fa: false, ipAllowlist: [] });
    const mine = await t.http().get('/api/v1/me/accounts').set(s.auth).expect(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ accountId: created.body.id, role: 'owner', name: 'Mine' })]);
  });

  it('refuses a missing name naming the field', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const res = await t.http().post('/api/v1/accounts').set(s.auth).send({}).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('name');
  });

  it('shows 2FA columns to admins only and filters by role and mfa', async () => {
    const team = await createAccountWithTeam(t);
    const url = `/api/v1/accounts/${team.accountId}/members`;
    const asAdmin = await t.http().get(url).set(team.admin.session.auth).expect(200);
    expect(asAdmin.body.items).toHaveLength(4);
    expect(asAdmin.body.items[0]).toHaveProperty('mfa');
    expect(asAdmin.body.items[0]).toHaveProperty('lastSignInAt');
    const asViewer = await t.http().get(url).set(team.viewer.session.auth).expect(200);
    expect(asViewer.body.items).toHaveLength(4);
    expect(asViewer.body.items[0]).not.toHaveProperty('mfa');
    await t.http().get(`${url}?mfa=none`).set(team.viewer.session.auth).expect(403);
    const admins = await t.http().get(`${url}?role=admin`).set(team.admin.session.auth).expect(200);
    expect(admins.body.items.map((m: { userId: string }) => m.userId)).toEqual([team.admin.id]);
    const none = await t.http().get(`${url}?mfa=none`).set(team.admin.session.auth).expect(200);
    expect(none.body.items).toHaveLength(4);
    await t.http().get(`${url}?role=boss`).set(team.admin.session.auth).expect(400);
  });

  it('paginates with a cursor in any sort order without repeats', async () => {
    const team = await createAccountWithTeam(t);
    const url = `/api/v1/accounts/${team.accountId}/members`;
    // Same millisecond, different microseconds: the cursor (milliseconds) must not repeat or skip rows.
    await t.dataSource.query(
      `UPDATE memberships SET created_at = timestamptz '2026-01-01 00:00:00.100000+00' + (random() * 900)::int * interval '1 microsecond' WHERE account_id = $1`,
      [team.accountId],
    );
    for (const sort of ['joinedAt', 'email', 'role', 'displayName', 'lastSignInAt']) {
      for (const order of ['asc', 'desc']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: { body: { items: Array<{ userId: string }>; nextCursor: string | null } } = await t
            .http()
            .get(url)
            .query({ limit: 1, sort, order, ...(cursor ? { cursor } : {}) })
            .set(team.owner.session.auth)
            .expect(200);
          seen.push(...res.body.items.map((i) => i.userId));
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(new Set(seen).size).toBe(4);
      }
    }
    const byEmail = await t.http().get(url).query({ sort: 'email' }).set(team.owner.session.auth).expect(200);
    const emails = byEmail.body.items.map((i: { email: string }) => i.email);
    expect(emails).toEqual([...emails].sort());
  });

  it('speaks react-admin simple-rest: range/sort/filter, a bare array and Content-Range', async () => {
    const team = await createAccountWithTeam(t);
    const res = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members`)
      .query({ range: '[0,1]', sort: '["email","ASC"]', filter: '{"role":"viewer"}' })
      .set(team.admin.session.auth)
      .expect(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toHaveLength(1);
    expect(res.headers['content-range']).toBe('members 0-0/1');
    expect(res.headers['x-total-count']).toBe('1');
    const json = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members`)
      .query({ _start: 0, _end: 2, _sort: 'role', _order: 'DESC' })
      .set(team.admin.session.auth)
      .expect(200);
    expect(json.body).toHaveLength(2);
    expect(json.headers['x-total-count']).toBe('4');
    expect(json.body[0].role).toBe('owner');
    const bad = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members`)
      .query({ filter: '{nope' })
      .set(team.admin.session.auth)
      .expect(400);
    expect(bad.body.errors[0].field).toBe('filter');
  });

  it('PATCH renames (admin) and GET shows the account to a viewer', async () => {
    const team = await createAccountWithTeam(t);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.admin.session.auth).send({ name: 'Renamed' }).expect(200);
    const got = await t.http().get(`/api/v1/accounts/${team.accountId}`).set(team.viewer.session.auth).expect(200);
    expect(got.body).toMatchObject({ name: 'Renamed', role: 'viewer' });
    expect(got.body).not.toHaveProperty('ipAllowlist');
  });
});
