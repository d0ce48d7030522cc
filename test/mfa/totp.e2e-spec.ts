import { Totp } from '../../libs/mfa/src/totp/totp';
import { DEMO_MEMBER_TOTP_SECRET, DEMO_PASSWORD, seedDemo } from '@latchkey/platform';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { STEP_MS, bearer, enrolTotp, startChallenge, totpNow } from './mfa-helpers';

describe('TOTP: enrolment, sign-in and replay protection', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('returns a 160-bit secret and a QR PNG that decodes to the exact otpauth URI', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const res = await t.http().post('/api/v1/me/mfa/totp/setup').set(s.auth).expect(200);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(res.body.otpauthUri).toBe(`otpauth://totp/Latchkey:${encodeURIComponent(user.email)}?secret=${res.body.secret}&issuer=Latchkey`);
    expect(res.body.qrCode).toMatch(/^data:image\/png;base64,/);
    const png = PNG.sync.read(Buffer.from(res.body.qrCode.split(',')[1], 'base64'));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(res.body.otpauthUri);

    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ enabled: false, totp: false });
  });

  it('stays pending until a right code confirms it, then returns 10 backup codes once', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const setup = await t.http().post('/api/v1/me/mfa/totp/setup').set(s.auth).expect(200);
    await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200)
      .then((r) => expect(r.body.status).toBe('authenticated'));
    const wrong = await t.http().post('/api/v1/me/mfa/totp/confirm').set(s.auth).send({ code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('INVALID_MFA_CODE');
    const bad = await t.http().post('/api/v1/me/mfa/totp/confirm').set(s.auth).send({ code: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['code']);

    const ok = await t
      .http()
      .post('/api/v1/me/mfa/totp/confirm')
      .set(s.auth)
      .send({ code: totpNow(t, setup.body.secret) })
      .expect(200);
    expect(ok.body).toMatchObject({ status: 'enabled', method: 'totp' });
    expect(ok.body.backupCodes).toHaveLength(10);
    expect(new Set(ok.body.backupCodes).size).toBe(10);

    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ enabled: true, totp: true, backupCodesRemaining: 10, methods: ['totp', 'backup_code'] });
    const again = await t.http().post('/api/v1/me/mfa/totp/setup').set(s.auth);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MFA_ALREADY_ENABLED');
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /method added/.test(m.subject));
  });

  it('asks for the second step at sign-in and finishes it with a code; the same code is refused the second time', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);

    const challenge = await startChallenge(t, user.email, user.password);
    expect(challenge.methods).toEqual(['totp', 'backup_code']);
    expect(challenge.challengeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(challenge).not.toHaveProperty('session');
    const code = totpNow(t, secret);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'totp', code })
      .expect(200);
    expect(done.body.status).toBe('authenticated');
    expect(done.body.session.token).toMatch(/^lks_/);
    expect(String(done.headers['set-cookie'])).toContain('lk_session=');
    await t.http().get('/api/v1/me').set(bearer(done.body.session.token)).expect(200);

    const second = await startChallenge(t, user.email, user.password);
    const replay = await t.http().post('/api/v1/auth/login/mfa').send({ challengeId: second.challengeId, method: 'totp', code });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('INVALID_MFA_CODE');

    t.clock.advance(STEP_MS);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: second.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
  });

  it('a second step from a browser the user never signed in with emails a new-sign-in alert; the same browser again does not', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const finish = async () => {
      t.clock.advance(STEP_MS);
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .set('User-Agent', firefox)
        .send({ email: user.email, password: user.password });
      expect(login.body.status).toBe('mfa_required');
      await t
        .http()
        .post('/api/v1/auth/login/mfa')
        .set('User-Agent', firefox)
        .send({ challengeId: login.body.challengeId, method: 'totp', code: totpNow(t, secret) })
        .expect(200);
      await t.settle();
    };
    const alerts = () => t.mail.to(user.email).filter((m) => /New sign-in to your account/.test(m.subject));

    await finish();
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0].text).toMatch(/Firefox/);
    await finish();
    expect(alerts()).toHaveLength(1);
  });

  it('accepts a code only once when the same code races itself', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    const challenges = await Promise.all(Array.from({ length: 5 }, () => startChallenge(t, user.email, user.password)));
    const code = totpNow(t, secret);
    const results = await Promise.all(
      challenges.map((c) => t.http().post('/api/v1/auth/login/mfa').send({ challengeId: c.challengeId, method: 'totp', code })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("does not finish a challenge with another user's code", async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const a = await enrolTotp(t, (await signIn(t, alice.email)).auth);
    await enrolTotp(t, (await signIn(t, bob.email)).auth);
    const bobs = await startChallenge(t, bob.email, bob.password);
    const res = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: bobs.challengeId, method: 'totp', code: totpNow(t, a.secret) });
    expect(res.status).toBe(400);
    const backup = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: bobs.challengeId, method: 'backup_code', code: a.backupCodes[0] });
    expect(backup.status).toBe(400);
  });

  it('refuses a challenge after 5 minutes', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const c = await startChallenge(t, user.email, user.password);
    t.clock.advance(5 * 60_000 + 1000);
    const res = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('MFA_CHALLENGE_INVALID');
  });

  it('refuses a challenge after 5 attempts, even with the right code', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const c = await startChallenge(t, user.email, user.password);
    for (let i = 0; i < 5; i++) {
      const r = await t.http().post('/api/v1/auth/login/mfa').send({ challengeId: c.challengeId, method: 'totp', code: '000000' });
      expect(r.status).toBe(400);
    }
    const res = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('MFA_CHALLENGE_INVALID');
  });

  it('locks second-factor attempts after failures across challenges and emails the user', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    for (let round = 0; round < 2; round++) {
      const c = await startChallenge(t, user.email, user.password);
      for (let i = 0; i < 5; i++) {
        await t.http().post('/api/v1/auth/login/mfa').send({ challengeId: c.challengeId, method: 'totp', code: '000000' }).expect(400);
      }
    }
    const c = await startChallenge(t, user.email, user.password);
    const locked = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret) });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('MFA_LOCKED');
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /paused/.test(m.subject));

    t.clock.advance(16 * 60_000);
    const later = await startChallenge(t, user.email, user.password);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: later.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
  });

  it('keeps the secret only encrypted at rest', async () => {
    const user = await createUser(t);
    const { secret, backupCodes } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const [factor] = await t.dataSource.query(`SELECT * FROM mfa_factors WHERE user_id = $1`, [user.id]);
    expect(factor.secret_sealed).toMatch(/^v1\./);
    const dump = JSON.stringify(await t.dataSource.query(`SELECT * FROM mfa_factors WHERE user_id = $1`, [user.id]));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    const codes = JSON.stringify(await t.dataSource.query(`SELECT * FROM mfa_backup_codes WHERE user_id = $1`, [user.id]));
    for (const code of backupCodes) {
      expect(codes).not.toContain(code);
      expect(codes).not.toContain(code.replace('-', ''));
    }
    const status = await t
      .http()
      .get('/api/v1/me/mfa')
      .set((await signInWithTotp(user.email, user.password, secret)).auth);
    expect(JSON.stringify(status.body)).not.toContain(secret);
  });

  it('refuses to remove the authenticator without the password and a current code', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    const none = await t.http().delete('/api/v1/me/mfa/totp').set(s.auth).send({});
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('REAUTH_REQUIRED');
    const noCode = await t.http().delete('/api/v1/me/mfa/totp').set(s.auth).send({ password: TEST_PASSWORD });
    expect(noCode.status).toBe(400);
    expect(noCode.body.code).toBe('MFA_CODE_REQUIRED');
    const wrongPw = await t
      .http()
      .delete('/api/v1/me/mfa/totp')
      .set(s.auth)
      .send({ password: 'not-the-password', code: totpNow(t, secret) });
    expect(wrongPw.status).toBe(400);
    expect(wrongPw.body.code).toBe('WRONG_PASSWORD');
    const wrongCode = await t.http().delete('/api/v1/me/mfa/totp').set(s.auth).send({ password: TEST_PASSWORD, code: '000000' });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body.code).toBe('INVALID_MFA_CODE');
    expect((await t.http().get('/api/v1/me/mfa').set(s.auth)).body.totp).toBe(true);

    await t
      .http()
      .delete('/api/v1/me/mfa/totp')
      .set(s.auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, secret) })
      .expect(200);
    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ enabled: false, totp: false, backupCodesRemaining: 0 });
    const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    expect(login.body.status).toBe('authenticated');
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /method removed/.test(m.subject));
    const audit = await t.dataSource.query(`SELECT action FROM audit_log WHERE subject_user_id = $1`, [user.id]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['mfa.totp_enabled', 'mfa.totp_disabled']));
  });

  it('demands a code to reset the password when 2FA is on', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    await t.http().post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /Reset your password/.test(m.subject));
    const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
    const newPassword = 'brand-new-granite-otter-19';
    const missing = await t.http().post('/api/v1/auth/password/reset').send({ token, newPassword });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('MFA_CODE_REQUIRED');
    const wrong = await t.http().post('/api/v1/auth/password/reset').send({ token, newPassword, code: '000000' });
    expect(wrong.body.code).toBe('INVALID_MFA_CODE');
    await t
      .http()
      .post('/api/v1/auth/password/reset')
      .send({ token, newPassword, code: totpNow(t, secret) })
      .expect(200);
    await startChallenge(t, user.email, newPassword);
  });

  async function signInWithTotp(email: string, password: string, secret: string) {
    t.clock.advance(STEP_MS);
    const c = await startChallenge(t, email, password);
    const res = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
    return { auth: bearer(res.body.session.token) };
  }

  it('seeds the demo member with a known TOTP secret, idempotently', async () => {
    await seedDemo(t.app);
    const signIns = await seedDemo(t.app);
    const member = signIns.find((s) => s.email === 'member@demo.latchkey.dev')!;
    expect(member.note).toBe(`TOTP secret: ${DEMO_MEMBER_TOTP_SECRET}`);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM mfa_factors f JOIN users u ON u.id = f.user_id WHERE u.email = 'member@demo.latchkey.dev'`,
    );
    expect(n).toBe(1);
    t.clock.advance(STEP_MS);
    const c = await startChallenge(t, member.email, DEMO_PASSWORD);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, DEMO_MEMBER_TOTP_SECRET) })
      .expect(200);
  });

  it('the Totp wrapper and an authenticator agree on codes', () => {
    const secret = Totp.generateSecret();
    expect(Totp.verify(secret, Totp.generate(secret, 1_800_000_000), 1_800_000_000)).toBe(60_000_000);
  });
});
