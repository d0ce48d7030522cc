import { createUser, signIn } from '../factories/users.factory';
import { TwilioFake } from '../fakes/twilio-fake';
import { insertConfirmedPhone, startChallenge } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';

const SETUP = '/api/v1/me/mfa/sms/setup';

async function refusals(t: TestApp, userId: string): Promise<Array<{ reason: string; purpose: string; phone: string }>> {
  const rows: Array<{ metadata: Record<string, string> | string }> = await t.dataSource.query(
    `SELECT metadata FROM audit_log WHERE action = 'mfa.sms_refused' AND subject_user_id = $1 ORDER BY occurred_at`,
    [userId],
  );
  return rows.map((r) => (typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata));
}

describe('No SMS pumping: texts go only to allowed countries, for verified users, within hourly caps; refusals are audited and a spike reaches staff', () => {
  let twilio: TwilioFake;
  let t: TestApp;

  beforeAll(async () => {
    twilio = await new TwilioFake().start();
    t = await createTestApp({ env: { ...twilio.env(), SMS_PER_NUMBER_HOURLY: '3' } });
  });

  afterAll(async () => {
    await t?.close();
    await twilio?.close();
  });

  it('6 fresh users texting one number get at most the per-number limit; the rest are refused with 429 and audited', async () => {
    const phone = '+14155550142';
    const statuses: number[] = [];
    const users: string[] = [];
    for (let i = 0; i < 6; i++) {
      const user = await createUser(t);
      users.push(user.id);
      const res = await t
        .http()
        .post(SETUP)
        .set((await signIn(t, user.email)).auth)
        .send({ phone });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.code).toBe('SMS_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(3);
    expect(await refusals(t, users[5])).toEqual([expect.objectContaining({ reason: 'per_number', purpose: 'setup' })]);
    expect((await refusals(t, users[5]))[0].phone).not.toContain('555014');
  });

  it('refuses a phone before the email is verified, naming the email, and sends nothing', async () => {
    const user = await createUser(t);
    await t.dataSource.query(`UPDATE users SET email_verified_at = NULL WHERE id = $1`, [user.id]);
    const phone = '+14155550143';
    const res = await t
      .http()
      .post(SETUP)
      .set((await signIn(t, user.email)).auth)
      .send({ phone });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('EMAIL_NOT_VERIFIED');
    expect(res.body.errors).toEqual([{ field: 'email', message: expect.any(String) }]);
    expect(twilio.messages.filter((m) => m.to === phone)).toEqual([]);
    expect(await refusals(t, user.id)).toEqual([expect.objectContaining({ reason: 'email_not_verified' })]);
  });

  it('applies the blocked-country list at setup, not only to recovery', async () => {
    const user = await createUser(t);
    const phone = '+2348031234599';
    const res = await t
      .http()
      .post(SETUP)
      .set((await signIn(t, user.email)).auth)
      .send({ phone });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('SMS_COUNTRY_BLOCKED');
    expect(res.body.errors).toEqual([{ field: 'phone', message: expect.any(String) }]);
    expect(twilio.messages.filter((m) => m.to === phone)).toEqual([]);
    expect(await refusals(t, user.id)).toEqual([expect.objectContaining({ reason: 'country_blocked', country: 'NG' })]);
  });

  it('refuses a recovery text to a blocked country (a phone added before the block) and audits it', async () => {
    const user = await createUser(t);
    const phone = '+84912345699';
    await insertConfirmedPhone(t, user.id, phone);
    const c = await startChallenge(t, user.email, user.password);
    const res = await t.http().post('/api/v1/auth/recovery/sms').send({ challengeId: c.challengeId });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('SMS_COUNTRY_BLOCKED');
    expect(twilio.messages.filter((m) => m.to === phone)).toEqual([]);
    expect(await refusals(t, user.id)).toEqual([
      expect.objectContaining({ reason: 'country_blocked', purpose: 'recovery', country: 'VN' }),
    ]);
  });

  it('honours SMS_ALLOWED_COUNTRIES: only those countries get texts', async () => {
    const gb = await createTestApp({ env: { ...twilio.env(), SMS_ALLOWED_COUNTRIES: 'GB' } });
    try {
      const american = await createUser(gb);
      const us = await gb
        .http()
        .post(SETUP)
        .set((await signIn(gb, american.email)).auth)
        .send({ phone: '+14155550144' });
      expect(us.status).toBe(403);
      expect(us.body.code).toBe('SMS_COUNTRY_BLOCKED');
      expect(await refusals(gb, american.id)).toEqual([expect.objectContaining({ reason: 'country_not_allowed', country: 'US' })]);
      const briton = await createUser(gb);
      await gb
        .http()
        .post(SETUP)
        .set((await signIn(gb, briton.email)).auth)
        .send({ phone: '+447400123456' })
        .expect(200);
      expect(twilio.messages.filter((m) => m.to === '+447400123456')).toHaveLength(1);
      expect(twilio.messages.filter((m) => m.to === '+14155550144')).toEqual([]);
    } finally {
      await gb.close();
    }
  });

  it('caps texts from one IP across users and numbers', async () => {
    const capped = await createTestApp({ env: { ...twilio.env(), SMS_PER_IP_HOURLY: '2' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const user = await createUser(capped);
        const res = await capped
          .http()
          .post(SETUP)
          .set((await signIn(capped, user.email)).auth)
          .send({ phone: `+1415555016${i}` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await capped.close();
    }
  });

  it('refuses every text past the deployment-wide hourly limit and emails staff once', async () => {
    const spiky = await createTestApp({ env: { ...twilio.env(), SMS_PER_DEPLOYMENT_HOURLY: '2' } });
    try {
      const lead = await createUser(spiky, { staffRole: 'support_lead' });
      const agent = await createUser(spiky, { staffRole: 'support' });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const user = await createUser(spiky);
        const res = await spiky
          .http()
          .post(SETUP)
          .set((await signIn(spiky, user.email)).auth)
          .send({ phone: `+1415555017${i}` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 429, 429]);
      await spiky.settle();
      for (const staff of [lead, agent]) {
        const mails = spiky.mail.to(staff.email).filter((m) => /deployment-wide hourly limit/.test(m.subject));
        expect(mails).toHaveLength(1);
        expect(mails[0].text).toMatch(/2 texts were sent/);
      }
      const [{ n }] = await spiky.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'mfa.sms_refused' AND metadata->>'reason' = 'deployment'`,
      );
      expect(n).toBe(2);
    } finally {
      await spiky.close();
    }
  });
});
