import { randomBytes, randomUUID } from 'node:crypto';

import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const bootstrap = { Authorization: `Bearer ${SERVICE_TOKEN}` };

describe('Billing summary pushed by the host, seen by owners and admins (issue 18)', () => {
  let t: TestApp;
  let team: AccountWithTeam;
  let billing: { Authorization: string };
  const summary = { planName: 'Team (annual)', seats: 25, renewsOn: '2027-01-31', paymentMethod: { brand: 'visa', last4: '4242' } };

  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { SERVICE_TOKEN } });
    team = await createAccountWithTeam(t, 'Billed Team');
    const credential = await t
      .http()
      .post('/api/v1/service/credentials')
      .set(bootstrap)
      .send({ name: 'billing-sync', scopes: ['billing:write'] })
      .expect(201);
    billing = { Authorization: `Bearer ${credential.body.secret}` };
  });

  afterAll(async () => {
    await t?.close();
  });

  const put = (body: unknown, accountId = team.accountId, auth = billing) =>
    t
      .http()
      .put(`/api/v1/service/accounts/${accountId}/billing`)
      .set(auth)
      .send(body as object);
  const read = (who: { session: { auth: Record<string, string> } }) =>
    t.http().get(`/api/v1/accounts/${team.accountId}/billing`).set(who.session.auth);

  it('is empty until the host pushes one, then owners and admins see plan, seats, renewal and card brand + last four', async () => {
    const before = await read(team.owner).expect(200);
    expect(before.body).toEqual({ planName: null, seats: null, renewsOn: null, paymentMethod: null, updatedAt: null });
    const pushed = await put(summary).expect(200);
    expect(pushed.body).toEqual({ ...summary, updatedAt: expect.any(String) });
    for (const who of [team.owner, team.admin]) {
      expect((await read(who).expect(200)).body).toEqual(pushed.body);
    }
    const [audit] = await t.dataSource.query(
      `SELECT actor_kind, metadata FROM audit_log WHERE action = 'account.billing_updated' AND account_id = $1`,
      [team.accountId],
    );
    expect(audit.actor_kind).toBe('service');
    expect(audit.metadata).toMatchObject({ by: 'billing-sync', planName: 'Team (annual)' });
  });

  it('is hidden from members and viewers (403) and from outsiders (404)', async () => {
    await put(summary).expect(200);
    for (const who of [team.member, team.viewer]) {
      const res = await read(who);
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('4242');
    }
    expect((await read(team.outsider)).status).toBe(404);
  });

  it('refuses card data beyond brand and last four with a 400 naming the field, and stores nothing of it', async () => {
    await put(summary).expect(200);
    const cases: Array<[unknown, string]> = [
      [{ ...summary, paymentMethod: { brand: 'visa', last4: '4242', number: '4242424242424242' } }, 'paymentMethod.number'],
      [{ ...summary, paymentMethod: { brand: 'visa', last4: '4242', cvc: '123' } }, 'paymentMethod.cvc'],
      [{ ...summary, paymentMethod: { brand: 'visa', last4: '4242', expMonth: 12 } }, 'paymentMethod.expMonth'],
      [{ ...summary, cardNumber: '4242 4242 4242 4242' }, 'cardNumber'],
      [{ ...summary, paymentMethod: { brand: 'visa', last4: '424242' } }, 'paymentMethod.last4'],
      [{ ...summary, paymentMethod: { brand: '4242424242424242', last4: '4242' } }, 'paymentMethod.brand'],
      [{ ...summary, planName: 'Pro 4111-1111-1111-1111' }, 'planName'],
      [{ ...summary, renewsOn: 'next year' }, 'renewsOn'],
      [{ ...summary, seats: -1 }, 'seats'],
    ];
    for (const [body, field] of cases) {
      const res = await put(body);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const rows = await t.dataSource.query(`SELECT row_to_json(b)::text AS json FROM account_billing b`);
    expect(rows.map((r: { json: string }) => r.json).join()).not.toMatch(/4111|424242|123"/);
    expect((await read(team.owner)).body).toMatchObject(summary);
  });

  it('needs the billing:write scope and an existing account; it can be removed', async () => {
    const other = await t
      .http()
      .post('/api/v1/service/credentials')
      .set(bootstrap)
      .send({ name: 'events-only', scopes: ['events:publish'] })
      .expect(201);
    const refused = await put(summary, team.accountId, { Authorization: `Bearer ${other.body.secret}` });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('SERVICE_SCOPE_MISSING');
    expect((await put(summary, team.accountId, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await put(summary, randomUUID())).status).toBe(404);
    await t.http().delete(`/api/v1/service/accounts/${team.accountId}/billing`).set(billing).expect(204);
    expect((await read(team.owner)).body.planName).toBeNull();
  });

  it('clears the optional fields with null', async () => {
    await put(summary).expect(200);
    const res = await put({ planName: 'Free', seats: null, renewsOn: null, paymentMethod: null }).expect(200);
    expect(res.body).toMatchObject({ planName: 'Free', seats: null, renewsOn: null, paymentMethod: null });
  });
});
