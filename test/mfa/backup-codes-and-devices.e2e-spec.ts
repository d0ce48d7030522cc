import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { STEP_MS, bearer, enrolTotp, startChallenge, totpNow } from './mfa-helpers';

describe('Backup codes and trusted devices', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('gives exactly one success when one backup code is sent 20 times in parallel', async () => {
    const user = await createUser(t);
    const { backupCodes } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const challenges = await Promise.all(Array.from({ length: 4 }, () => startChallenge(t, user.email, user.password)));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t
          .http()
          .post('/api/v1/auth/login/mfa')
          .send({ challengeId: challenges[i % 4].challengeId, method: 'backup_code', code: backupCodes[0] }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NOT NULL`, [
      user.id,
    ]);
    expect(n).toBe(1);
  });

  it('lets a user who lost the phone sign in with a backup code, once, and tells them', async () => {
    const user = await createUser(t);
    const { backupCodes } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const c = await startChallenge(t, user.email, user.password);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'backup_code', code: backupCodes[3].toUpperCase() })
      .expect(200);
    expect(done.body.status).toBe('authenticated');
    const status = await t.http().get('/api/v1/me/mfa').set(bearer(done.body.session.token)).expect(200);
    expect(status.body.backupCodesRemaining).toBe(9);

    const again = await startChallenge(t, user.email, user.password);
    const reuse = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: again.challengeId, method: 'backup_code', code: backupCodes[3] });
    expect(reuse.status).toBe(400);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /backup code was used/.test(m.subject));
    const audit = await t.dataSource.query(`SELECT action FROM audit_log WHERE subject_user_id = $1 AND action = 'mfa.backup_code_used'`, [
      user.id,
    ]);
    expect(audit).toHaveLength(1);
  });

  it('warns when few backup codes remain', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { backupCodes } = await enrolTotp(t, s.auth);
    for (const code of backupCodes.slice(0, 7)) {
      const c = await startChallenge(t, user.email, user.password);
      await t.http().post('/api/v1/auth/login/mfa').send({ challengeId: c.challengeId, method: 'backup_code', code }).expect(200);
    }
    await t.settle();
    const low = await t.mail.waitFor((m) => m.to.includes(user.email) && /running out of backup codes/.test(m.subject));
    expect(low.text).toContain('Only 3 unused backup code(s)');
  });

  it('regenerates codes with reauth only, and the old ones stop working', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret, backupCodes } = await enrolTotp(t, s.auth);
    const denied = await t.http().post('/api/v1/me/mfa/backup-codes/regenerate').set(s.auth).send({});
    expect(denied.status).toBe(403);
    const res = await t
      .http()
      .post('/api/v1/me/mfa/backup-codes/regenerate')
      .set(s.auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, secret) })
      .expect(200);
    expect(res.body.backupCodes).toHaveLength(10);
    const c = await startChallenge(t, user.email, user.password);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'backup_code', code: backupCodes[0] })
      .expect(400);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'backup_code', code: res.body.backupCodes[0] })
      .expect(200);
  });

  it('trusts a device for 30 days: the next sign-in skips the second step', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const c = await startChallenge(t, user.email, user.password);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret), trustDevice: true })
      .expect(200);
    const deviceToken: string = done.body.deviceToken;
    expect(deviceToken).toMatch(/^lkd_/);
    expect(String(done.headers['set-cookie'])).toContain(`lk_device=${deviceToken}`);
    const [row] = await t.dataSource.query(`SELECT token_hash FROM mfa_trusted_devices WHERE user_id = $1`, [user.id]);
    expect(row.token_hash).not.toContain(deviceToken);

    const viaBody = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password, deviceToken }).expect(200);
    expect(viaBody.body.status).toBe('authenticated');
    const viaCookie = await t
      .http()
      .post('/api/v1/auth/login')
      .set('Cookie', `lk_device=${deviceToken}`)
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(viaCookie.body.status).toBe('authenticated');

    const other = await createUser(t);
    await enrolTotp(t, (await signIn(t, other.email)).auth);
    await startChallenge(t, other.email, other.password, { deviceToken });

    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /device was trusted/.test(m.subject));

    t.clock.advance(31 * 24 * 3600_000);
    await startChallenge(t, user.email, user.password, { deviceToken });
  });

  it('lists trusted devices and revokes one or all', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const tokens: string[] = [];
    let auth: Record<string, string> = {};
    for (let i = 0; i < 3; i++) {
      t.clock.advance(STEP_MS);
      const c = await startChallenge(t, user.email, user.password);
      const r = await t
        .http()
        .post('/api/v1/auth/login/mfa')
        .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret), trustDevice: true })
        .expect(200);
      tokens.push(r.body.deviceToken);
      auth = bearer(r.body.session.token);
    }
    const list = await t.http().get('/api/v1/me/trusted-devices').set(auth).expect(200);
    expect(list.body).toHaveLength(3);
    expect(JSON.stringify(list.body)).not.toContain('lkd_');

    await t.http().delete(`/api/v1/me/trusted-devices/${list.body[0].id}`).set(auth).expect(200);
    await t.http().delete(`/api/v1/me/trusted-devices/${list.body[0].id}`).set(auth).expect(404);
    expect((await t.http().get('/api/v1/me/trusted-devices').set(auth)).body).toHaveLength(2);
    const stranger = await createUser(t);
    const ss = await signIn(t, stranger.email);
    await t.http().delete(`/api/v1/me/trusted-devices/${list.body[1].id}`).set(ss.auth).expect(404);
    await t.http().delete('/api/v1/me/trusted-devices/not-a-uuid').set(auth).expect(400);

    await t.http().delete('/api/v1/me/trusted-devices').set(auth).expect(200);
    expect((await t.http().get('/api/v1/me/trusted-devices').set(auth)).body).toHaveLength(0);
    for (const deviceToken of tokens) {
      await startChallenge(t, user.email, user.password, { deviceToken });
    }
  });

  it('revokes trusted devices when a factor is removed or MFA is reset', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    const c = await startChallenge(t, user.email, user.password);
    const r = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, secret), trustDevice: true })
      .expect(200);
    t.clock.advance(STEP_MS);
    const reset = await t
      .http()
      .post('/api/v1/me/mfa/reset')
      .set(s.auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, secret) })
      .expect(200);
    expect(reset.body.status).toBe('reset');
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM mfa_trusted_devices WHERE user_id = $1 AND revoked_at IS NULL`,
      [user.id],
    );
    expect(n).toBe(0);
    expect((await t.http().get('/api/v1/me/mfa').set(s.auth)).body).toMatchObject({ enabled: false, backupCodesRemaining: 0 });

    const again = await enrolTotp(t, s.auth);
    expect(again.backupCodes).toHaveLength(10);
    await startChallenge(t, user.email, user.password, { deviceToken: r.body.deviceToken });
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /was reset/.test(m.subject));
  });
});
