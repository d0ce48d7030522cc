import { createUser, signIn } from '../factories/users.factory';
import { TwilioFake } from '../fakes/twilio-fake';
import { TestApp, createTestApp } from '../setup/test-app';
import { bearer, enrolTotp, insertConfirmedPhone, startChallenge, totpNow } from './mfa-helpers';

const US_PHONE = '+14155550123';

describe('SMS factor through the real twilio client, and SMS recovery', () => {
  let t: TestApp;
  let twilio: TwilioFake;

  beforeAll(async () => {
    twilio = await new TwilioFake().start();
    t = await createTestApp({ env: twilio.env() });
  });

  afterAll(async () => {
    await t.close();
    await twilio.close();
  });

  async function enrolSms(auth: Record<string, string>, phone: string) {
    const sent = await t.http().post('/api/v1/me/mfa/sms/setup').set(auth).send({ phone }).expect(200);
    expect(sent.body.phone).not.toContain(phone.slice(3, -2));
    const confirm = await t
      .http()
      .post('/api/v1/me/mfa/sms/confirm')
      .set(auth)
      .send({ code: twilio.codeFor(phone) })
      .expect(200);
    return confirm.body as { status: string; method: string; backupCodes?: string[] };
  }

  it('enrols a phone with a texted code sent through Twilio, stored only hashed', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const bad = await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone: '0155 5555' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['phone']);

    const phone = '+14155550111';
    await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone }).expect(200);
    const msg = twilio.lastTo(phone)!;
    expect(msg.from).toBe('+15005550006');
    expect(msg.accountSid).toBe(`AC${'0'.repeat(32)}`);
    expect(msg.authorization).toBe(`Basic ${Buffer.from(`AC${'0'.repeat(32)}:x`).toString('base64')}`);
    const code = twilio.codeFor(phone);
    const rows = JSON.stringify(await t.dataSource.query(`SELECT * FROM mfa_sms_codes WHERE user_id = $1`, [user.id]));
    expect(rows).not.toContain(code);

    const wrong = await t
      .http()
      .post('/api/v1/me/mfa/sms/confirm')
      .set(s.auth)
      .send({ code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    const ok = await t.http().post('/api/v1/me/mfa/sms/confirm').set(s.auth).send({ code }).expect(200);
    expect(ok.body).toMatchObject({ status: 'enabled', method: 'sms' });
    expect(ok.body.backupCodes).toHaveLength(10);
    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ enabled: true, totp: false, methods: ['sms', 'backup_code'] });
    expect(status.body.sms).toMatch(/^\+14•+11$/);
  });

  it('signs in with a texted code, and refuses a resend inside the cool-down', async () => {
    const user = await createUser(t);
    const phone = '+14155550122';
    await enrolSms((await signIn(t, user.email)).auth, phone);
    const c = await startChallenge(t, user.email, user.password);
    expect(c.methods).toEqual(['sms', 'backup_code']);
    const before = twilio.messages.length;
    const sent = await t.http().post('/api/v1/auth/login/mfa/sms').send({ challengeId: c.challengeId }).expect(200);
    expect(sent.body.status).toBe('sent');
    expect(twilio.messages.length).toBe(before + 1);
    const tooSoon = await t.http().post('/api/v1/auth/login/mfa/sms').send({ challengeId: c.challengeId });
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.code).toBe('SMS_RESEND_TOO_SOON');

    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'sms', code: twilio.codeFor(phone) })
      .expect(200);
    expect(done.body.status).toBe('authenticated');
    const replay = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'sms', code: twilio.codeFor(phone) });
    expect(replay.status).toBe(401);
  });

  it('answers a number Twilio refuses with 400 naming the phone', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    twilio.refuse();
    try {
      const res = await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone: '+14155550199' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('SMS_NOT_DELIVERABLE');
    } finally {
      twilio.accept();
    }
  });

  it('recovers a lost authenticator by SMS: a restricted session that must set up MFA again', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await enrolTotp(t, s.auth);
    await enrolSms(s.auth, US_PHONE);

    const c = await startChallenge(t, user.email, user.password);
    const sent = await t.http().post('/api/v1/auth/recovery/sms').send({ challengeId: c.challengeId }).expect(200);
    expect(sent.body.phone).toMatch(/•/);
    expect(twilio.lastTo(US_PHONE)!.body).toMatch(/recovery code/);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'sms', code: twilio.codeFor(US_PHONE) })
      .expect(200);
    expect(done.body.status).toBe('mfa_setup_required');
    const auth = bearer(done.body.session.token);

    const blocked = await t.http().get('/api/v1/me/sessions').set(auth);
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('MFA_RECOVERY_SETUP_REQUIRED');
    const status = await t.http().get('/api/v1/me/mfa').set(auth).expect(200);
    expect(status.body).toMatchObject({ totp: false, backupCodesRemaining: 0 });

    const again = await enrolTotp(t, auth);
    expect(again.backupCodes).toHaveLength(10);
    await t.http().get('/api/v1/me/sessions').set(auth).expect(200);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /was reset/.test(m.subject));
  });

  it('refuses SMS recovery to a blocked country and points to a support ticket', async () => {
    for (const phone of ['+2348031234567', '+84912345678']) {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      // Setup refuses these countries too: the phone was added before its country was blocked.
      const refused = await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('SMS_COUNTRY_BLOCKED');
      await insertConfirmedPhone(t, user.id, phone);
      const c = await startChallenge(t, user.email, user.password);
      const before = twilio.messages.length;
      const res = await t.http().post('/api/v1/auth/recovery/sms').send({ challengeId: c.challengeId });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('SMS_COUNTRY_BLOCKED');
      expect(res.body.detail).toMatch(/support ticket/);
      expect(twilio.messages.length).toBe(before);
    }
  });

  it('offers no SMS recovery without a verified phone', async () => {
    const user = await createUser(t);
    await enrolTotp(t, (await signIn(t, user.email)).auth);
    const c = await startChallenge(t, user.email, user.password);
    const res = await t.http().post('/api/v1/auth/recovery/sms').send({ challengeId: c.challengeId });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('NO_RECOVERY_PHONE');
    const sms = await t.http().post('/api/v1/auth/login/mfa/sms').send({ challengeId: c.challengeId });
    expect(sms.status).toBe(400);
    expect(sms.body.code).toBe('MFA_METHOD_UNAVAILABLE');
  });

  it('needs reauth to add a phone next to an authenticator once the sign-in is not recent', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    t.clock.advance(6 * 60_000);
    const phone = '+14155550166';
    const denied = await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('REAUTH_REQUIRED');
    expect(twilio.lastTo(phone)).toBeUndefined();
    await t
      .http()
      .post('/api/v1/me/mfa/sms/setup')
      .set(s.auth)
      .send({ phone, password: user.password, code: totpNow(t, secret) })
      .expect(200);
  });

  it('caps texts per account per hour, whatever the number of challenges', async () => {
    const user = await createUser(t);
    const phone = '+14155550155';
    await enrolSms((await signIn(t, user.email)).auth, phone);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      t.clock.advance(31_000);
      const c = await startChallenge(t, user.email, user.password);
      statuses.push((await t.http().post('/api/v1/auth/login/mfa/sms').send({ challengeId: c.challengeId })).status);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(10);
    expect(statuses[statuses.length - 1]).toBe(429);
  });

  it('proves reauth and a password reset with a texted code', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const phone = '+14155550144';
    const { backupCodes } = await enrolSms(s.auth, phone);
    expect(backupCodes).toHaveLength(10);

    await t.http().post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /Reset your password/.test(m.subject));
    const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
    await t
      .http()
      .post('/api/v1/auth/password/reset/sms')
      .send({ token: 'x'.repeat(40) })
      .expect(400);
    t.clock.advance(31_000);
    await t.http().post('/api/v1/auth/password/reset/sms').send({ token }).expect(200);
    const newPassword = 'fresh-copper-meadow-88';
    await t.http().post('/api/v1/auth/password/reset').send({ token, newPassword }).expect(400);
    await t
      .http()
      .post('/api/v1/auth/password/reset')
      .send({ token, newPassword, code: twilio.codeFor(phone) })
      .expect(200);

    const again = await signInWithSms(user.email, newPassword, phone);
    t.clock.advance(31_000);
    await t.http().post('/api/v1/me/mfa/sms/code').set(again).expect(200);
    await t
      .http()
      .delete('/api/v1/me/mfa/sms')
      .set(again)
      .send({ password: newPassword, code: twilio.codeFor(phone) })
      .expect(200);
    expect((await t.http().get('/api/v1/me/mfa').set(again)).body.enabled).toBe(false);
  });

  async function signInWithSms(email: string, password: string, phone: string) {
    t.clock.advance(31_000);
    const c = await startChallenge(t, email, password);
    await t.http().post('/api/v1/auth/login/mfa/sms').send({ challengeId: c.challengeId }).expect(200);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'sms', code: twilio.codeFor(phone) })
      .expect(200);
    return bearer(done.body.session.token);
  }

  it('removes the phone with reauth; a TOTP code proves it', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    await enrolSms(s.auth, '+14155550177');
    await t.http().delete('/api/v1/me/mfa/sms').set(s.auth).send({}).expect(403);
    await t
      .http()
      .delete('/api/v1/me/mfa/sms')
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, secret) })
      .expect(200);
    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ sms: null, totp: true });
  });
});
