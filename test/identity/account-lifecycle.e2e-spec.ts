import { createHash } from 'node:crypto';

import { tokenFrom } from '../fakes/smtp-sink';
import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('Registration, profile, avatar, email change', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('registers, emails a verification link that works once, and signs in', async () => {
    const email = uniqueEmail('new');
    await t.http().post('/api/v1/auth/register').send({ email, password: 'amber-glacier-orbit-19', displayName: 'Nia New' }).expect(202);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(email) && /Confirm your email/.test(m.subject));
    expect(mail.text).toContain('http://latchkey.test/admin/#/verify-email?token=');
    expect(mail.html).toContain('notification preferences');
    const token = tokenFrom(mail);
    await t.http().post('/api/v1/auth/verify-email').send({ token }).expect(200);
    await t.http().post('/api/v1/auth/verify-email').send({ token }).expect(400);
    const s = await signIn(t, email, 'amber-glacier-orbit-19');
    const me = await t.http().get('/api/v1/me').set(s.auth).expect(200);
    expect(me.body).toMatchObject({ email, displayName: 'Nia New', emailVerified: true });
  });

  it('answers registration of a taken address exactly like a new one', async () => {
    const user = await createUser(t);
    const taken = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email: user.email, password: 'amber-glacier-orbit-19', displayName: 'X' });
    const fresh = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email: uniqueEmail(), password: 'amber-glacier-orbit-19', displayName: 'X' });
    expect(taken.status).toBe(202);
    expect(taken.body).toEqual(fresh.body);
    await signIn(t, user.email);
  });

  it('refuses weak passwords, naming the field', async () => {
    const email = uniqueEmail('weak');
    const common = await t.http().post('/api/v1/auth/register').send({ email, password: 'password123', displayName: 'W' });
    expect(common.status).toBe(400);
    expect(common.body.errors).toEqual([{ field: 'password', message: expect.stringMatching(/common/) }]);
    const withEmail = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email, password: `${email.split('@')[0]}-2026`, displayName: 'W' });
    expect(withEmail.body.errors[0].message).toMatch(/email/);
  });

  it('turns registration off with a setting', async () => {
    const closed = await createTestApp({ env: { REGISTRATION_ENABLED: 'false' } });
    try {
      const res = await closed
        .http()
        .post('/api/v1/auth/register')
        .send({ email: uniqueEmail(), password: 'amber-glacier-orbit-19', displayName: 'X' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('REGISTRATION_CLOSED');
    } finally {
      await closed.close();
    }
  });

  it('updates the profile and preferences, and validates each field', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const res = await t
      .http()
      .patch('/api/v1/me')
      .set(s.auth)
      .send({
        displayName: 'Ana López',
        phone: '+34600111222',
        timezone: 'Europe/Madrid',
        language: 'es',
        company: 'Acme',
        bio: 'Hi',
        preferences: { theme: 'dark', timeFormat: '12h' },
      })
      .expect(200);
    expect(res.body).toMatchObject({
      displayName: 'Ana López',
      phone: '+34600111222',
      timezone: 'Europe/Madrid',
      preferences: { theme: 'dark', timeFormat: '12h', compactMode: false },
    });
    const bad = await t
      .http()
      .patch('/api/v1/me')
      .set(s.auth)
      .send({ phone: '0600 111', timezone: 'Mars/Olympus', preferences: { theme: 'neon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['phone', 'preferences.theme', 'timezone']);
    const after = await t.http().get('/api/v1/me').set(s.auth).expect(200);
    expect(after.body.timezone).toBe('Europe/Madrid');
  });

  it('accepts a PNG avatar by its bytes, serves it back, and refuses a disguised file', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const res = await t
      .http()
      .put('/api/v1/me/avatar')
      .set(s.auth)
      .attach('file', PNG_1PX, { filename: 'me.png', contentType: 'image/png' })
      .expect(200);
    expect(res.body.avatarUrl).toMatch(new RegExp(`^/api/v1/users/${user.id}/avatar\\?v=1$`));
    const img = await t.http().get(res.body.avatarUrl).expect(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(img.body as Buffer, PNG_1PX)).toBe(0);
    const fake = await t
      .http()
      .put('/api/v1/me/avatar')
      .set(s.auth)
      .attach('file', Buffer.from('<script>alert(1)</script>'), { filename: 'x.png', contentType: 'image/png' });
    expect(fake.status).toBe(400);
    expect(fake.body.code).toBe('AVATAR_INVALID');
    const big = await t
      .http()
      .put('/api/v1/me/avatar')
      .set(s.auth)
      .attach('file', Buffer.concat([PNG_1PX, Buffer.alloc(2 * 1024 * 1024)]), { filename: 'big.png', contentType: 'image/png' });
    expect(big.status).toBe(413);
  });

  it('changes email: link to the new address, old one works until then and is told', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const newEmail = uniqueEmail('moved');
    await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail, password: 'wrong-password-1' }).expect(400);
    await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail, password: TEST_PASSWORD }).expect(202);
    await t.settle();
    const confirm = await t.mail.waitFor((m) => m.to.includes(newEmail));
    await t.mail.waitFor((m) => m.to.includes(user.email) && /changing/.test(m.subject) && m.text.includes(newEmail));
    await signIn(t, user.email);
    await t
      .http()
      .post('/api/v1/me/email/confirm')
      .send({ token: tokenFrom(confirm) })
      .expect(200);
    await signIn(t, newEmail);
    const old = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    expect(old.status).toBe(401);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /is now/.test(m.text));
  });

  it('answers a change to a taken address like any other, and never completes it', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const s = await signIn(t, user.email);
    const taken = await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail: other.email, password: TEST_PASSWORD });
    const free = await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail: uniqueEmail(), password: TEST_PASSWORD });
    expect(taken.status).toBe(202);
    expect(taken.body).toEqual(free.body);
    await t.settle();
    expect(t.mail.to(other.email).filter((m) => /Confirm your new email/.test(m.subject))).toHaveLength(0);
  });
});

describe('Password reset and change', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function resetLink(email: string): Promise<string> {
    const before = t.mail.to(email).length;
    await t.http().post('/api/v1/auth/password/forgot').send({ email }).expect(202);
    await t.settle();
    await t.mail.waitFor(
      () => t.mail.to(email).filter((m) => /Reset your password/.test(m.subject)).length > 0 && t.mail.to(email).length > before,
    );
    const mails = t.mail.to(email).filter((m) => /Reset your password/.test(m.subject));
    return tokenFrom(mails[mails.length - 1]);
  }

  it('answers forgot with 202 whether or not the email has an account', async () => {
    const known = await createUser(t);
    const a = await t.http().post('/api/v1/auth/password/forgot').send({ email: known.email });
    const b = await t
      .http()
      .post('/api/v1/auth/password/forgot')
      .send({ email: uniqueEmail('nobody') });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body).toEqual(b.body);
  });

  it('resets once with the emailed token, ends every session, and says so by email', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const token = await resetLink(user.email);
    await t.http().post('/api/v1/auth/password/reset').send({ token, newPassword: 'cobalt-meadow-frost-88' }).expect(200);
    await t.http().get('/api/v1/me').set(s.auth).expect(401);
    await signIn(t, user.email, 'cobalt-meadow-frost-88');
    const again = await t.http().post('/api/v1/auth/password/reset').send({ token, newPassword: 'another-long-pass-99' });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_TOKEN');
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /password was changed/.test(m.subject) && /reset/.test(m.text));
  });

  it('refuses a token after an hour, and an older token once a newer one was sent', async () => {
    const user = await createUser(t);
    const first = await resetLink(user.email);
    const second = await resetLink(user.email);
    await t.http().post('/api/v1/auth/password/reset').send({ token: first, newPassword: 'cobalt-meadow-frost-88' }).expect(400);
    t.clock.advance(61 * 60_000);
    await t.http().post('/api/v1/auth/password/reset').send({ token: second, newPassword: 'cobalt-meadow-frost-88' }).expect(400);
  });

  it('keeps reset tokens and session tokens out of the database in clear', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const token = await resetLink(user.email);
    const dump =
      JSON.stringify(await t.dataSource.query(`SELECT * FROM user_tokens WHERE user_id = $1`, [user.id])) +
      JSON.stringify(await t.dataSource.query(`SELECT * FROM sessions WHERE user_id = $1`, [user.id]));
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(s.token);
    expect(dump).toContain(createHash('sha256').update(s.token).digest('hex'));
  });

  it('changes the password with the current one, ends other sessions, keeps this one', async () => {
    const user = await createUser(t);
    const here = await signIn(t, user.email);
    const elsewhere = await signIn(t, user.email);
    const wrong = await t
      .http()
      .post('/api/v1/me/password')
      .set(here.auth)
      .send({ currentPassword: 'not-it-at-all', newPassword: 'cobalt-meadow-frost-88' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([{ field: 'currentPassword', message: 'is not right' }]);
    await t
      .http()
      .post('/api/v1/me/password')
      .set(here.auth)
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'cobalt-meadow-frost-88' })
      .expect(200);
    await t.http().get('/api/v1/me').set(here.auth).expect(200);
    await t.http().get('/api/v1/me').set(elsewhere.auth).expect(401);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /password was changed/.test(m.subject));
    const audit: Array<{ action: string }> = await t.dataSource.query(`SELECT action FROM audit_log WHERE subject_user_id = $1`, [user.id]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['user.password_changed', 'session.revoked_many']));
  });
});

describe('Sessions: list, revoke, CSRF, expiry', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { SESSION_IDLE_SECONDS: '3600', SESSION_ABSOLUTE_SECONDS: '86400' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('lists active sessions with device details and marks the current one', async () => {
    const user = await createUser(t);
    const a = await signIn(t, user.email);
    await signIn(t, user.email);
    const res = await t.http().get('/api/v1/me/sessions').set(a.auth).expect(200);
    expect(res.body.items).toHaveLength(2);
    const current = res.body.items.filter((s: { current: boolean }) => s.current);
    expect(current).toEqual([expect.objectContaining({ id: a.sessionId, location: 'unknown', ip: expect.any(String) })]);
  });

  it("answers 404 for another user's session id and 400 for a malformed one", async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const a = await signIn(t, alice.email);
    const b = await signIn(t, bob.email);
    const res = await t.http().delete(`/api/v1/me/sessions/${b.sessionId}`).set(a.auth);
    expect(res.status).toBe(404);
    await t.http().get('/api/v1/me').set(b.auth).expect(200);
    const bad = await t.http().delete('/api/v1/me/sessions/not-a-uuid').set(a.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'sessionId', message: 'must be a UUID' }]);
  });

  it('revokes one, the others, or all, effective on the next request', async () => {
    const user = await createUser(t);
    const [a, b, c] = [await signIn(t, user.email), await signIn(t, user.email), await signIn(t, user.email)];
    await t.http().delete(`/api/v1/me/sessions/${b.sessionId}`).set(a.auth).expect(204);
    await t.http().get('/api/v1/me').set(b.auth).expect(401);
    const others = await t.http().post('/api/v1/me/sessions/revoke-others').set(a.auth).expect(200);
    expect(others.body.revoked).toBe(1);
    await t.http().get('/api/v1/me').set(c.auth).expect(401);
    await t.http().get('/api/v1/me').set(a.auth).expect(200);
    await t.http().post('/api/v1/me/sessions/revoke-all').set(a.auth).expect(200);
    await t.http().get('/api/v1/me').set(a.auth).expect(401);
  });

  it('ends idle and expired sessions', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    t.clock.advance(3601_000);
    await t.http().get('/api/v1/me').set(s.auth).expect(401);
    const s2 = await signIn(t, user.email);
    for (let i = 0; i < 24; i++) {
      t.clock.advance(3500_000);
      await t.http().get('/api/v1/me').set(s2.auth).expect(200);
    }
    t.clock.advance(3500_000);
    await t.http().get('/api/v1/me').set(s2.auth).expect(401);
  });

  it('demands the CSRF token on cookie-authenticated writes, not on bearer ones', async () => {
    const user = await createUser(t);
    const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
    const cookie = `lk_session=${login.body.session.token}`;
    await t.http().get('/api/v1/me').set('Cookie', cookie).expect(200);
    const forged = await t.http().patch('/api/v1/me').set('Cookie', cookie).send({ bio: 'pwned' });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('CSRF_TOKEN_INVALID');
    await t.http().patch('/api/v1/me').set('Cookie', cookie).set('X-CSRF-Token', login.body.csrfToken).send({ bio: 'mine' }).expect(200);
    await t.http().patch('/api/v1/me').set('Authorization', `Bearer ${login.body.session.token}`).send({ bio: 'api' }).expect(200);
  });

  it('signs out and clears the cookie', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const res = await t.http().post('/api/v1/auth/logout').set(s.auth).expect(200);
    expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).join(';')).toMatch(/lk_session=;/);
    await t.http().get('/api/v1/me').set(s.auth).expect(401);
  });
});
