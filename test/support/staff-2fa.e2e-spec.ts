import { createUser, signIn } from '../factories/users.factory';
import { createTestApp, TestApp } from '../setup/test-app';
import { makeStaff, ticketAwaitingApproval, TICKETS } from './support-helpers';

const HOUR = 3600_000;

describe('Staff need 2FA, and approve / execute need a fresh reauth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { MFA_RESET_COOLDOWN_HOURS: '1' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('refuses staff without a second factor on ticket and staff routes with 403 STAFF_2FA_REQUIRED; non-staff still get 404', async () => {
    const bare = await createUser(t, { staffRole: 'support_lead' });
    const s = await signIn(t, bare.email);
    for (const [method, path] of [
      ['get', TICKETS],
      ['get', '/api/v1/admin/users'],
      ['post', `${TICKETS}/00000000-0000-4000-8000-000000000000/approve`],
    ] as const) {
      const agent = t.http();
      const res =
        method === 'post' ? await agent.post(path).set(s.auth).send({ reason: 'Checks agree' }) : await agent.get(path).set(s.auth);
      expect([path, res.status, res.body.code]).toEqual([path, 403, 'STAFF_2FA_REQUIRED']);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const plain = await signIn(t, (await createUser(t)).email);
    await t.http().get(TICKETS).set(plain.auth).expect(404);
  });

  it('approve and execute on a stale session need the password and a code; a wrong code spends nothing and approves nothing', async () => {
    const agent = await makeStaff(t, 'support');
    const lead = await makeStaff(t, 'support_lead');
    const user = await createUser(t);
    const id = await ticketAwaitingApproval(t, user.email, agent);
    t.clock.advance(10 * 60_000);

    const bare = await t.http().post(`${TICKETS}/${id}/approve`).set(lead.auth).send({ reason: 'Checks agree' }).expect(403);
    expect(bare.body).toMatchObject({ code: 'REAUTH_REQUIRED', errors: [{ field: 'password' }] });
    const noCode = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(lead.auth)
      .send({ reason: 'Checks agree', password: lead.password })
      .expect(400);
    expect(noCode.body.code).toBe('MFA_CODE_REQUIRED');
    const wrong = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(lead.auth)
      .send({ reason: 'Checks agree', password: lead.password, code: 'aaaaa-bbbbb' })
      .expect(400);
    expect(wrong.body.code).toBe('INVALID_MFA_CODE');
    const detail = await t.http().get(`${TICKETS}/${id}`).set(agent.auth).expect(200);
    expect(detail.body.state).toBe('awaiting_approval');

    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(lead.auth)
      .send({ reason: 'Checks agree', ...lead.proof() })
      .expect(200);
    t.clock.advance(HOUR + 1000);
    const stale = await t.http().post(`${TICKETS}/${id}/execute`).set(agent.auth).send({}).expect(403);
    expect(stale.body.code).toBe('REAUTH_REQUIRED');
    const executed = await t.http().post(`${TICKETS}/${id}/execute`).set(agent.auth).send(agent.proof()).expect(200);
    expect(executed.body.state).toBe('executed');
  });
});
