import * as fs from 'node:fs';
import * as path from 'node:path';

import { createUser, signIn, TEST_PASSWORD } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

function cookiesOf(res: { headers: Record<string, string | string[] | undefined> }): string[] {
  const set = res.headers['set-cookie'];
  return Array.isArray(set) ? set : set ? [set] : [];
}

describe('Production rules: what is only safe in development', () => {
  describe('on the default http test app', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });

    afterAll(async () => {
      await t.close();
    });

    it('marks authenticated answers and sign-in answers Cache-Control: no-store', async () => {
      const user = await createUser(t);
      const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
      expect(login.headers['cache-control']).toBe('no-store');
      const me = await t
        .http()
        .get('/api/v1/me')
        .set({ Authorization: `Bearer ${login.body.session.token}` })
        .expect(200);
      expect(me.headers['cache-control']).toBe('no-store');
      const refused = await t.http().get('/api/v1/me').expect(401);
      expect(refused.headers['cache-control']).toBe('no-store');
    });

    it('sends no https upgrade (CSP upgrade-insecure-requests, HSTS) while the public address is http', async () => {
      const res = await t.http().get('/health').expect(200);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    });

    it('answers CORS only for the console origin, and sends Referrer-Policy and frame protection', async () => {
      const foreign = await t.http().get('/api/v1/me').set('Origin', 'https://evil.example').expect(401);
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      const console = await t.http().get('/api/v1/me').set('Origin', 'http://latchkey.test').expect(401);
      expect(console.headers['access-control-allow-origin']).toBe('http://latchkey.test');
      expect(console.headers['access-control-allow-credentials']).toBe('true');
      const health = await t.http().get('/health').expect(200);
      expect(health.headers['referrer-policy']).toBe('no-referrer');
      expect(health.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(health.headers['x-powered-by']).toBeUndefined();
    });

    it('keeps the audit log append-only: the database refuses UPDATE and DELETE', async () => {
      const user = await createUser(t);
      await signIn(t, user.email);
      await expect(t.dataSource.query(`UPDATE audit_log SET action = action WHERE subject_user_id = $1`, [user.id])).rejects.toThrow();
      await expect(t.dataSource.query(`DELETE FROM audit_log WHERE subject_user_id = $1`, [user.id])).rejects.toThrow();
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE subject_user_id = $1`, [user.id]);
      expect(n).toBeGreaterThan(0);
    });

    it('signs in with an unverified address while REQUIRE_VERIFIED_EMAIL is off (the test and development default)', async () => {
      const user = await createUser(t);
      await t.dataSource.query('UPDATE users SET email_verified_at = NULL WHERE id = $1', [user.id]);
      await signIn(t, user.email);
    });
  });

  describe('on https with REQUIRE_VERIFIED_EMAIL and SMS switched off', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://latchkey.test', REQUIRE_VERIFIED_EMAIL: 'true', SMS_ENABLED: 'false' } });
    });

    afterAll(async () => {
      await t.close();
    });

    it('tells browsers to stay on https (CSP upgrade-insecure-requests, HSTS for a year)', async () => {
      const res = await t.http().get('/health').expect(200);
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    });

    it('names the session cookies __Host- (Secure, Path=/, no Domain) and reads only those', async () => {
      const user = await createUser(t);
      const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
      const cookies = cookiesOf(login);
      const session = cookies.find((c) => c.startsWith('__Host-lk_session='));
      const csrf = cookies.find((c) => c.startsWith('__Host-lk_csrf='));
      for (const cookie of [session, csrf]) {
        expect(cookie).toMatch(/; Secure/i);
        expect(cookie).toMatch(/; Path=\//i);
        expect(cookie).not.toMatch(/Domain=/i);
      }
      expect(session).toMatch(/HttpOnly/i);
      expect(cookies.some((c) => c.startsWith('lk_session='))).toBe(false);
      const token = login.body.session.token as string;
      await t.http().get('/api/v1/me').set('Cookie', `__Host-lk_session=${token}`).expect(200);
      await t.http().get('/api/v1/me').set('Cookie', `lk_session=${token}`).expect(401);
      await t
        .http()
        .patch('/api/v1/me')
        .set('Cookie', `__Host-lk_session=${token}`)
        .set('X-CSRF-Token', login.body.csrfToken)
        .send({ bio: 'cookie write' })
        .expect(200);
      expect(
        (await t.http().patch('/api/v1/me').set('Cookie', `__Host-lk_session=${token}`).send({ bio: 'forged' }).expect(403)).body.code,
      ).toBe('CSRF_TOKEN_INVALID');
    });

    it('refuses sign-in for an unverified address only after the right password, and records it', async () => {
      const user = await createUser(t);
      await t.dataSource.query('UPDATE users SET email_verified_at = NULL WHERE id = $1', [user.id]);
      const wrong = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'not-the-password-1' }).expect(401);
      expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
      const refused = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(403);
      expect(refused.body.code).toBe('EMAIL_NOT_VERIFIED');
      expect(cookiesOf(refused)).toEqual([]);
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM login_activity WHERE user_id = $1 AND reason = 'email_not_verified'`,
        [user.id],
      );
      expect(n).toBe(1);
      await t.dataSource.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [user.id]);
      await signIn(t, user.email);
    });

    it('with SMS_ENABLED=false sends no text and writes none to a folder: SMS setup answers 503', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const res = await t.http().post('/api/v1/me/mfa/sms/setup').set(s.auth).send({ phone: '+14155550123' }).expect(503);
      expect(res.body.code).toBe('SMS_UNAVAILABLE');
      const outbox = path.join(t.config.db.dataDir, 'outbox/sms');
      expect(fs.existsSync(outbox) ? fs.readdirSync(outbox) : []).toEqual([]);
    });
  });
});
