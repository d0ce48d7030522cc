import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Principal, StaffGate, loadConfig } from '@latchkey/core';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';

import { fastifyAdapter } from '../../apps/api/src/app.factory';
import { AppModule } from '../../apps/api/src/app.module';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { Require2faSignInStep } from '../../libs/accounts/src/require-2fa.step';
import { MfaSignInStep } from '../../libs/mfa/src/mfa-sign-in.step';
import { SupportResetSignInStep } from '../../libs/support/src/support-reset.step';
import { createUser, signIn } from '../factories/users.factory';
import { TwilioFake } from '../fakes/twilio-fake';
import { bearer, enrolTotp, startChallenge, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp, createTestDatabase } from '../setup/test-app';

const WRONG = 'not-the-password-at-all-1';

describe('One door: every password and code check is throttled, locked and spent only on success', () => {
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

  const activity = async (userId: string, outcome: string) =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM login_activity WHERE user_id = $1 AND outcome = $2`, [userId, outcome]))[0]
      .n as number;

  const unusedBackupCodes = async (userId: string) =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL`, [userId]))[0]
      .n as number;

  it('a wrong current password on POST /me/password, N times, locks sign-in as N wrong sign-ins would', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const limit = t.config.auth.loginMaxFailures;
    for (let i = 0; i < limit; i++) {
      const res = await t
        .http()
        .post('/api/v1/me/password')
        .set(s.auth)
        .send({ currentPassword: WRONG, newPassword: 'brand-new-passphrase-42' })
        .expect(400);
      expect(res.body.code).toBe('WRONG_PASSWORD');
      expect(res.body.errors).toEqual([{ field: 'currentPassword', message: 'is not right' }]);
    }
    const locked = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(429);
    expect(locked.body.code).toBe('ACCOUNT_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The right current password is refused too while the lock holds: no side door around it.
    const still = await t
      .http()
      .post('/api/v1/me/password')
      .set(s.auth)
      .send({ currentPassword: user.password, newPassword: 'brand-new-passphrase-42' })
      .expect(429);
    expect(still.body.code).toBe('ACCOUNT_LOCKED');
    expect(await activity(user.id, 'failure')).toBe(limit);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /locked/i.test(m.subject));
    t.clock.advance(61_000);
  });

  it('wrong passwords on reauth (DELETE /me) and on POST /me/email count as failed sign-ins', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const del = await t.http().delete('/api/v1/me').set(s.auth).send({ password: WRONG }).expect(400);
    expect(del.body.errors).toEqual([{ field: 'password', message: 'is not right' }]);
    const email = await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail: 'other@example.com', password: WRONG }).expect(400);
    expect(email.body.errors).toEqual([{ field: 'password', message: 'is not right' }]);
    expect(await activity(user.id, 'failure')).toBe(2);
    const audit = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE subject_user_id = $1 AND action = 'auth.login_failed'`,
      [user.id],
    );
    expect(audit[0].n).toBe(2);
  });

  it('50 parallel 2FA guesses over 10 challenges run at most the limit of checks, then the right code is refused', async () => {
    const user = await createUser(t);
    const { secret } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    const challenges: Array<{ challengeId: string }> = [];
    for (let i = 0; i < 10; i++) {
      challenges.push(await startChallenge(t, user.email, user.password));
    }
    const wrong = String((Number(totpNow(t, secret)) + 500_000) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t
          .http()
          .post('/api/v1/auth/login/mfa')
          .send({ challengeId: challenges[i % 10].challengeId, method: 'totp', code: wrong }),
      ),
    );
    expect(results.every((r) => r.status === 400 || r.status === 429)).toBe(true);
    const limit = 10;
    expect(await activity(user.id, 'mfa_failed')).toBeLessThanOrEqual(limit);
    expect(results.filter((r) => r.status === 400)).toHaveLength(await activity(user.id, 'mfa_failed'));
    const fresh = await startChallenge(t, user.email, user.password);
    const right = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: fresh.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(429);
    expect(right.body.code).toBe('MFA_LOCKED');
  });

  it('SMS setup refused with 429 leaves the backup code given as proof usable', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { backupCodes } = await enrolTotp(t, s.auth);
    const phone = '+14155550177';
    await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone, password: user.password, code: backupCodes[0] }).expect(200);
    expect(await unusedBackupCodes(user.id)).toBe(9);
    const refused = await t
      .http()
      .post('/api/v1/me/mfa/sms/setup')
      .set(s.auth)
      .send({ phone, password: user.password, code: backupCodes[1] })
      .expect(429);
    expect(refused.body.code).toBe('SMS_RESEND_TOO_SOON');
    expect(await unusedBackupCodes(user.id)).toBe(9);
    const c = await startChallenge(t, user.email, user.password);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'backup_code', code: backupCodes[1] })
      .expect(200);
    expect(await unusedBackupCodes(user.id)).toBe(8);
  });

  it('a refused authenticator setup (one is already there) keeps the backup code, and a TOTP proof is not replayable', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret, backupCodes } = await enrolTotp(t, s.auth);
    const res = await t
      .http()
      .post('/api/v1/me/mfa/totp/setup')
      .set(s.auth)
      .send({ password: user.password, code: backupCodes[0] })
      .expect(409);
    expect(res.body.code).toBe('MFA_ALREADY_ENABLED');
    expect(await unusedBackupCodes(user.id)).toBe(10);
    const code = totpNow(t, secret);
    await t.http().post('/api/v1/me/mfa/backup-codes/regenerate').set(s.auth).send({ password: user.password, code }).expect(200);
    const replay = await t
      .http()
      .post('/api/v1/me/mfa/backup-codes/regenerate')
      .set(s.auth)
      .send({ password: user.password, code })
      .expect(400);
    expect(replay.body.code).toBe('INVALID_MFA_CODE');
    const status = await t.http().get('/api/v1/me/mfa').set(bearer(s.token)).expect(200);
    expect(status.body.backupCodesRemaining).toBe(10);
  });
});

describe('Ports that enforce security are required at start', () => {
  async function bootWithout(provider: unknown): Promise<Error | undefined> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-ports-'));
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://latchkey.test', DATA_DIR: dataDir });
    const database = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ config, database })] })
      .overrideProvider(provider)
      .useValue({})
      .compile();
    const app = moduleRef.createNestApplication(fastifyAdapter(config), { logger: false });
    try {
      await app.init();
      return undefined;
    } catch (err) {
      return err as Error;
    } finally {
      await app.close().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('a boot without the MFA second-factor port fails with a clear error', async () => {
    const err = await bootWithout(MfaSignInStep);
    expect(err?.message).toMatch(/no second-factor verifier is registered/);
  });

  it('a boot without the accounts "required by" port fails with a clear error', async () => {
    const err = await bootWithout(Require2faSignInStep);
    // The "required by" answer itself is a required injection token (TwoFactorRequirement, unit-tested in mfa.service.spec).
    expect(err?.message).toMatch(/account-require-2fa not registered/);
  });

  it('the worker (no HTTP, no sign-in) boots with every security port, and its staff gate refuses non-staff and staff without 2FA', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-worker-'));
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://latchkey.test', DATA_DIR: dataDir });
    const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, database: await createTestDatabase() }), {
      logger: false,
    });
    try {
      const gate = worker.get(StaffGate);
      await expect(gate.assertStaff({ userId: randomUUID(), staffRole: null } as unknown as Principal)).rejects.toMatchObject({
        category: 'NOT_FOUND',
      });
      await expect(gate.assertStaff({ userId: randomUUID(), staffRole: 'support' } as Principal)).rejects.toMatchObject({
        code: 'STAFF_2FA_REQUIRED',
      });
    } finally {
      await worker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a boot without the support-reset sign-in step fails with a clear error', async () => {
    const err = await bootWithout(SupportResetSignInStep);
    expect(err?.message).toMatch(/support-mfa-reset not registered/);
  });
});
