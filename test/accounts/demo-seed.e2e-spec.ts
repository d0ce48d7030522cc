import { DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_STAFF_TOTP_SECRETS, seedDemo } from '@latchkey/platform';

import { TestApp, createTestApp } from '../setup/test-app';

describe('Demo seed: a mixed account', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('is idempotent and its members report has compliant and non-compliant members', async () => {
    await seedDemo(t.app);
    const signIns = await seedDemo(t.app);
    for (const email of ['support@demo.latchkey.dev', 'lead@demo.latchkey.dev']) {
      expect(signIns.find((s) => s.email === email)?.note).toBe(`TOTP secret: ${DEMO_STAFF_TOTP_SECRETS[email]}`);
      const res = await t.http().post('/api/v1/auth/login').send({ email, password: DEMO_PASSWORD }).expect(200);
      expect([email, res.body.status]).toEqual([email, 'mfa_required']);
    }
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM accounts WHERE name = $1`, [DEMO_ACCOUNT_NAME]);
    expect(n).toBe(1);
    const login = await t.http().post('/api/v1/auth/login').send({ email: 'owner@demo.latchkey.dev', password: DEMO_PASSWORD }).expect(200);
    const auth = { Authorization: `Bearer ${login.body.session.token}` };
    const mine = await t.http().get('/api/v1/me/accounts').set(auth).expect(200);
    const account = mine.body.items.find((a: { name: string }) => a.name === DEMO_ACCOUNT_NAME);
    expect(account.role).toBe('owner');
    const report = await t.http().get(`/api/v1/accounts/${account.accountId}/members`).set(auth).expect(200);
    const byEmail = Object.fromEntries(
      report.body.items.map((m: { email: string; role: string; mfa: { enabled: boolean } }) => [m.email, m]),
    );
    expect(
      Object.values(byEmail)
        .map((m) => (m as { role: string }).role)
        .sort(),
    ).toEqual(['admin', 'member', 'owner', 'viewer']);
    expect(byEmail['member@demo.latchkey.dev'].mfa).toMatchObject({ enabled: true, totp: true });
    expect(byEmail['viewer@demo.latchkey.dev'].mfa.enabled).toBe(false);
  });
});
