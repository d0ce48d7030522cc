import { DEMO_PASSWORD, DEMO_STAFF_TOTP_SECRETS, seedDemo } from '@latchkey/platform';

import { startChallenge, totpNow } from '../mfa/mfa-helpers';
import { createTestApp, TestApp } from '../setup/test-app';
import { TICKETS } from './support-helpers';

describe('Demo seed: one support ticket in each state', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('is idempotent, shows the confirmed ones in the queue and restricts no demo sign-in', async () => {
    await seedDemo(t.app);
    await seedDemo(t.app);
    const rows: Array<{ state: string; n: number }> = await t.dataSource.query(
      `SELECT state, count(*)::int AS n FROM support_tickets WHERE message LIKE '[demo:%' GROUP BY state ORDER BY state`,
    );
    expect(rows.map((r) => [r.state, r.n])).toEqual(
      [
        'approved',
        'awaiting_approval',
        'awaiting_email_confirmation',
        'cancelled',
        'executed',
        'expired',
        'open',
        'rejected',
        'verifying',
      ].map((s) => [s, 1]),
    );
    // Demo staff have an authenticator (staff need 2FA): the seed prints its secret with the sign-in.
    const secret = DEMO_STAFF_TOTP_SECRETS['support@demo.latchkey.dev'];
    const challenge = await startChallenge(t, 'support@demo.latchkey.dev', DEMO_PASSWORD);
    const login = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
    const queue = await t
      .http()
      .get(TICKETS)
      .query({ limit: 100 })
      .set({ Authorization: `Bearer ${login.body.session.token}` })
      .expect(200);
    expect(new Set(queue.body.items.map((i: { state: string }) => i.state)).size).toBe(7);
    for (const email of ['owner@demo.latchkey.dev', 'admin@demo.latchkey.dev', 'viewer@demo.latchkey.dev']) {
      const res = await t.http().post('/api/v1/auth/login').send({ email, password: DEMO_PASSWORD }).expect(200);
      expect([email, res.body.status]).toEqual([email, 'authenticated']);
    }
  });
});
