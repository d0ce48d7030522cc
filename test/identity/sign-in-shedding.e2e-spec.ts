import { TEST_PASSWORD, createUser } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

/**
 * Load shedding at the door: with one hash thread and room for one sign-in at a time, a burst
 * of sign-ins gets some answered and the rest refused at once with 503 SIGN_IN_BUSY and
 * Retry-After (problem+json), not queued without bound; a refused sign-in counts as no attempt.
 */
describe('Sign-in shedding: a flood beyond the hash pool gets 503 with Retry-After', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { HASH_CONCURRENCY: '1', SIGN_IN_QUEUE_LIMIT: '1', LOGIN_MAX_FAILURES: '50' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('sheds a burst beyond the pool with 503 + Retry-After and signs the admitted ones in', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => createUser(t)));
    const answers = await Promise.all(
      users.map((u) => t.http().post('/api/v1/auth/login').send({ email: u.email, password: TEST_PASSWORD })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    for (const a of shed) {
      expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(a.body).toMatchObject({ status: 503, code: 'SIGN_IN_BUSY' });
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    for (const a of answers.filter((x) => x.status === 200)) {
      expect(a.body.status).toBe('authenticated');
    }
  });

  it('counts a shed sign-in as no attempt: it leaves no failure behind and the account stays usable', async () => {
    const user = await createUser(t);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong-password-1' })),
    );
    const statuses = burst.map((a) => a.status);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    // Only the admitted attempts were checked and recorded as failures.
    const [{ n }]: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM login_activity WHERE user_id = $1 AND outcome = 'failure'`,
      [user.id],
    );
    expect(n).toBe(statuses.filter((s) => s === 401).length);
    const ok = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
    expect(ok.body.status).toBe('authenticated');
  });
});
