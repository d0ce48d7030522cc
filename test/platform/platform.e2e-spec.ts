import { TestApp, createTestApp } from '../setup/test-app';

describe('Platform: errors, health, docs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('reports health and readiness with the database and queue checked', async () => {
    await t.http().get('/health').expect(200, { status: 'ok' });
    const ready = await t.http().get('/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'up', queue: 'up' } });
  });

  it('answers an unknown field with 400 problem+json naming it', async () => {
    const res = await t.http().post('/api/v1/auth/password/forgot').send({ email: 'a@example.com', isAdmin: true });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request' });
    expect(res.body.errors).toEqual([{ field: 'isAdmin', message: 'is not an allowed field' }]);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('answers a wrong type with 400 naming the field', async () => {
    const res = await t.http().post('/api/v1/auth/password/forgot').send({ email: 42 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('email');
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await t.http().post('/api/v1/auth/password/forgot').set('Content-Type', 'application/json').send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'MALFORMED_BODY', errors: [{ field: 'body', message: 'is not valid JSON' }] });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses an oversized body with 413', async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/password/forgot')
      .send({ email: 'x'.repeat(200_000) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('BODY_TOO_LARGE');
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const res = await t.http().get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('keeps a valid incoming request id and makes one otherwise', async () => {
    const mine = await t.http().get('/health').set('X-Request-Id', 'trace-abc-12345');
    expect(mine.headers['x-request-id']).toBe('trace-abc-12345');
    const made = await t.http().get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers', async () => {
    const res = await t.http().get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('denies by default: a route without a session is 401', async () => {
    const res = await t.http().get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_REQUIRED');
  });

  it('describes every route in the OpenAPI document', async () => {
    const res = await t.http().get('/api/docs-json').expect(200);
    const paths = Object.keys(res.body.paths);
    for (const p of ['/api/v1/auth/login', '/api/v1/me', '/api/v1/me/sessions', '/api/v1/auth/password/reset', '/health', '/ready']) {
      expect(paths).toContain(p);
    }
    const routes = (t.app.getHttpAdapter().getInstance() as unknown as { printRoutes: () => string }).printRoutes();
    expect(routes).toContain('login');
  });
});
