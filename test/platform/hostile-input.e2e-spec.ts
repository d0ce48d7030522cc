import { createUser, signIn, SignedIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const LONE_SURROGATE_EMAIL = '\ud800@x.test';

describe('Hostile input: a 400 naming the field, never a 5xx', () => {
  let t: TestApp;
  let s: SignedIn;

  beforeAll(async () => {
    t = await createTestApp();
    const user = await createUser(t);
    s = await signIn(t, user.email);
  });

  afterAll(async () => {
    await t.close();
  });

  function expectFieldRefused(
    res: { status: number; headers: Record<string, string>; body: { code: string; errors: { field: string }[] } },
    field: string,
  ) {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e) => e.field)).toContain(field);
  }

  it.each([
    ['/api/v1/auth/login', { email: LONE_SURROGATE_EMAIL, password: 'whatever-password' }, 'email'],
    ['/api/v1/auth/register', { email: LONE_SURROGATE_EMAIL, password: 'long-enough-password-1', displayName: 'A' }, 'email'],
    ['/api/v1/auth/password/forgot', { email: LONE_SURROGATE_EMAIL }, 'email'],
    ['/api/v1/support/tickets', { type: 'mfa_reset', email: LONE_SURROGATE_EMAIL, message: 'Lost my phone' }, 'email'],
    ['/api/v1/support/tickets', { type: 'mfa_reset', email: 'robin@example.com', message: 'Lost\u0000 my phone' }, 'message'],
  ])('refuses invalid text on the public route %s', async (url, body, field) => {
    expectFieldRefused(await t.http().post(url).send(body), field);
  });

  it('refuses a lone surrogate in a new email address and in an account name', async () => {
    expectFieldRefused(
      await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail: LONE_SURROGATE_EMAIL, password: 'x' }),
      'newEmail',
    );
    expectFieldRefused(await t.http().post('/api/v1/accounts').set(s.auth).send({ name: 'Acme \udc00' }), 'name');
  });

  it('refuses NUL, control characters, line breaks and bidi overrides in a display name, and keeps the name', async () => {
    for (const displayName of ['a\u0000b', 'bell\u0007', 'c1\u0085', 'two\nlines', 'tab\there', 'evil\u202Egnp.exe']) {
      expectFieldRefused(await t.http().patch('/api/v1/me').set(s.auth).send({ displayName }), 'displayName');
    }
    const me = await t.http().get('/api/v1/me').set(s.auth).expect(200);
    expect(me.body.displayName).toBe('Test User');
  });

  it('accepts line breaks and tabs in a multi-line field (the bio) but not NUL', async () => {
    const ok = await t.http().patch('/api/v1/me').set(s.auth).send({ bio: 'Line one\n\tLine two\r\n' }).expect(200);
    expect(ok.body.bio).toBe('Line one\n\tLine two');
    expectFieldRefused(await t.http().patch('/api/v1/me').set(s.auth).send({ bio: 'nul\u0000' }), 'bio');
  });

  it.each(['displayName', 'timezone', 'language'])(
    'refuses null for %s on PATCH /me, and still accepts null where documented (phone)',
    async (field) => {
      expectFieldRefused(
        await t
          .http()
          .patch('/api/v1/me')
          .set(s.auth)
          .send({ [field]: null }),
        field,
      );
      const cleared = await t.http().patch('/api/v1/me').set(s.auth).send({ phone: null, company: null }).expect(200);
      expect(cleared.body).toMatchObject({ phone: null, company: null });
    },
  );

  it('names a nested field (preferences.theme) and refuses a null inside it', async () => {
    expectFieldRefused(
      await t
        .http()
        .patch('/api/v1/me')
        .set(s.auth)
        .send({ preferences: { theme: 'dark\u0000' } }),
      'preferences.theme',
    );
    expectFieldRefused(
      await t
        .http()
        .patch('/api/v1/me')
        .set(s.auth)
        .send({ preferences: { compactMode: null } }),
      'preferences.compactMode',
    );
  });

  it('refuses a 5,000-deep JSON object with 400, unauthenticated and signed in', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const anon = await t.http().post('/api/v1/auth/password/forgot').set('Content-Type', 'application/json').send(deep);
    expect(anon.status).toBe(400);
    expect(anon.body.errors[0]).toMatchObject({ message: expect.stringMatching(/nested deeper/) });
    const arrays = '['.repeat(5000) + ']'.repeat(5000);
    const signedIn = await t
      .http()
      .patch('/api/v1/me')
      .set(s.auth)
      .set('Content-Type', 'application/json')
      .send(`{"preferences":${arrays}}`);
    expect(signedIn.status).toBe(400);
  });

  it('refuses a body over the size limit with 413 and a 1 MB string as well', async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email: 'a@example.com', password: 'p'.repeat(1_000_000), displayName: 'x' });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses hostile text in query strings and answers 404 for a path parameter that is not valid text', async () => {
    const query = await t.http().get('/api/v1/me/login-activity').query({ page: '1\u0000' }).set(s.auth);
    expect(query.status).toBe(400);
    const token = await t.http().get(`/api/v1/invitations/${encodeURIComponent('tok\u0000en-aaaaaaaaaaaaaaaaaaaaaaaa')}`);
    expect(token.status).toBe(404);
    expect(token.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Fastify cannot even route these (invalid UTF-8 escapes, a parameter over its length limit).
    for (const url of ['/api/v1/accounts/%FF%FE/members/x', `/api/v1/accounts/${'a'.repeat(300)}/members/x`]) {
      const res = await t.http().delete(url).set(s.auth);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', requestId: res.headers['x-request-id'] });
    }
  });
});
