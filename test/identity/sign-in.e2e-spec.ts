import { ChangeFeed } from '@latchkey/core';

import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

describe('Sign-in: no enumeration, throttling, lockout, login activity', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('signs in with the right password and sets an HttpOnly session cookie', async () => {
    const user = await createUser(t);
    const res = await t.http().post('/api/v1/auth/login').send({ email: user.email.toUpperCase(), password: TEST_PASSWORD }).expect(200);
    expect(res.body.status).toBe('authenticated');
    expect(res.body.session.token).toMatch(/^lks_[A-Za-z0-9_-]{43}$/);
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email });
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('lk_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(cookies.find((c) => c.startsWith('lk_csrf='))).not.toMatch(/HttpOnly/i);
  });

  it('gives an unknown email and a wrong password the same answer', async () => {
    const user = await createUser(t);
    const wrong = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'not-the-password-1' });
    const unknown = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: uniqueEmail('ghost'), password: 'not-the-password-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('names the missing field when the body is malformed', async () => {
    const res = await t.http().post('/api/v1/auth/login').send({ email: 'not-an-email' });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('locks an email after repeated failures, tells the owner, and lifts with time', async () => {
    const user = await createUser(t);
    await failSignIns(() => t, user.email, 5);
    const locked = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('ACCOUNT_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /locked/i.test(m.subject));
    expect(mail.text).toMatch(/failed attempts/);

    t.clock.advance(61_000);
    await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
  });

  it('locks an unknown email exactly like a real one', async () => {
    const ghost = uniqueEmail('ghost');
    await failSignIns(() => t, ghost, 5);
    const res = await t.http().post('/api/v1/auth/login').send({ email: ghost, password: 'whatever-password' });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('ACCOUNT_LOCKED');
  });

  it('runs at most N password checks in a burst of 4N guesses', async () => {
    const user = await createUser(t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t
          .http()
          .post('/api/v1/auth/login')
          .send({ email: user.email, password: `burst-guess-${i}` }),
      ),
    );
    const checked = results.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(15);
  });

  it('grows the lockout each time it repeats', async () => {
    const user = await createUser(t);
    const lockOnce = async () => {
      for (let i = 0; i < 5; i++) {
        await t
          .http()
          .post('/api/v1/auth/login')
          .send({ email: user.email, password: `wrong-${i}-password` });
      }
      const res = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD });
      expect(res.status).toBe(429);
      return Number(res.headers['retry-after']);
    };
    const first = await lockOnce();
    t.clock.advance(first * 1000 + 1000);
    const second = await lockOnce();
    expect(second).toBeGreaterThan(first);
    t.clock.advance(second * 1000 + 1000);
  });

  it('records every attempt, good or bad, in login activity', async () => {
    const user = await createUser(t);
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0')
      .send({ email: user.email, password: 'wrong-password-9' });
    const s = await signIn(t, user.email);
    const res = await t.http().get('/api/v1/me/login-activity').set(s.auth).expect(200);
    const outcomes = res.body.items.map((i: { outcome: string }) => i.outcome);
    expect(outcomes).toEqual(['success', 'failure']);
    expect(res.body.items[1]).toMatchObject({
      reason: 'invalid_credentials',
      location: 'unknown',
      browser: expect.stringMatching(/Firefox/),
    });
    expect(res.body.items[0].ip).toBeTruthy();

    const page1 = await t.http().get('/api/v1/me/login-activity?limit=1').set(s.auth).expect(200);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await t.http().get(`/api/v1/me/login-activity?limit=1&cursor=${page1.body.nextCursor}`).set(s.auth).expect(200);
    expect(page2.body.items[0].outcome).toBe('failure');
    await t.http().get('/api/v1/me/login-activity?cursor=%%%').set(s.auth).expect(400);
    await t.http().get('/api/v1/me/login-activity?limit=1000').set(s.auth).expect(400);
  });

  it('writes sign-ins and failures to the audit log', async () => {
    const user = await createUser(t);
    await t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong-password-x' });
    await signIn(t, user.email);
    const rows: Array<{ action: string }> = await t.dataSource.query(
      `SELECT action FROM audit_log WHERE subject_user_id = $1 ORDER BY occurred_at`,
      [user.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['auth.login_failed', 'auth.login_succeeded']);
  });
});

describe('Per-IP throttling', () => {
  it('answers 429 with Retry-After once an address makes too many attempts', async () => {
    const t = await createTestApp({ env: { LOGIN_IP_LIMIT: '3' } });
    try {
      for (let i = 0; i < 3; i++) {
        await t.http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'some-password-1' }).expect(401);
      }
      const res = await t.http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'some-password-1' });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('TOO_MANY_ATTEMPTS');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      t.clock.advance(16 * 60_000);
      await t.http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'some-password-1' }).expect(401);
    } finally {
      await t.close();
    }
  });
});

describe('With Redis down', () => {
  it('still signs people in and still locks out guessing, on PostgreSQL counters', async () => {
    const t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:9' }, workers: false });
    try {
      const user = await createUser(t);
      await signIn(t, user.email);
      await failSignIns(() => t, user.email, 5);
      const res = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('ACCOUNT_LOCKED');
    } finally {
      await t.close();
    }
  });
});

describe('Throttling across two instances on one store', () => {
  // Two instances on one database (and Redis), as behind a load balancer; each test uses its own users.
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ sameDatabaseAs: a });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('shares the per-email lockout between instances', async () => {
    const user = await createUser(a);
    await failSignIns((i) => (i % 2 === 0 ? a : b), user.email, 5);
    const res = await b.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(429);
    const resA = await a.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    expect(resA.status).toBe(429);
  });

  it('drops cached sessions on every instance when any code path revokes them in the database', async () => {
    if (a.database.url) {
      // On PostgreSQL both instances cache sessions behind the LISTEN/NOTIFY change feed.
      await waitUntil(() => a.app.get(ChangeFeed).live && b.app.get(ChangeFeed).live);
    }
    const user = await createUser(a);
    const s = await signIn(a, user.email);
    await b.http().get('/api/v1/me').set(s.auth).expect(200);
    await b.http().get('/api/v1/me').set(s.auth).expect(200);
    await a.dataSource.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1`, [s.sessionId]);
    await waitUntil(async () => (await b.http().get('/api/v1/me').set(s.auth)).status === 401, 1000);

    const other = await createUser(a);
    const s2 = await signIn(a, other.email);
    await b.http().get('/api/v1/me').set(s2.auth).expect(200);
    await a.dataSource.query(`DELETE FROM users WHERE id = $1`, [other.id]);
    await waitUntil(async () => (await b.http().get('/api/v1/me').set(s2.auth)).status === 401, 1000);
  });

  it('sees a revocation made on one instance on the next request to the other', async () => {
    const user = await createUser(a);
    const s = await signIn(a, user.email);
    await b.http().get('/api/v1/me').set(s.auth).expect(200);
    await a.http().post('/api/v1/me/sessions/revoke-all').set(s.auth).expect(200);
    const res = await b.http().get('/api/v1/me').set(s.auth);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_INVALID');
  });
});

/** Wrong passwords for `email`, each answered 401; `on(i)` is the instance that receives the i-th. */
async function failSignIns(on: (i: number) => TestApp, email: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await on(i)
      .http()
      .post('/api/v1/auth/login')
      .send({ email, password: `wrong-password-${i}` })
      .expect(401);
  }
}

/** Polls briefly: NOTIFY reaches the other instance within milliseconds of the commit. */
async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
