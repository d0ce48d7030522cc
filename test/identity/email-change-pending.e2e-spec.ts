import { tokenFrom } from '../fakes/smtp-sink';
import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

describe('A pending email change: shown, sent again, cancelled', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const confirmMails = (address: string) => t.mail.to(address).filter((m) => /Confirm your new email/.test(m.subject));

  it('shows the address waiting for confirmation; a resend replaces the link', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    expect((await t.http().get('/api/v1/me/email/pending').set(s.auth).expect(200)).body).toEqual({ pending: null });

    const newEmail = uniqueEmail('moving');
    await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail, password: TEST_PASSWORD }).expect(202);
    const pending = await t.http().get('/api/v1/me/email/pending').set(s.auth).expect(200);
    expect(pending.body.pending).toMatchObject({ newEmail });
    expect(new Date(pending.body.pending.expiresAt).getTime() - new Date(pending.body.pending.requestedAt).getTime()).toBe(24 * 3600_000);
    await t.settle();
    const first = tokenFrom((await t.mail.waitFor((m) => m.to.includes(newEmail)))!);

    const resent = await t.http().post('/api/v1/me/email/pending/resend').set(s.auth).expect(202);
    expect(resent.body.status).toBe('accepted');
    await t.settle();
    await t.mail.waitFor(() => confirmMails(newEmail).length === 2);
    const second = tokenFrom(confirmMails(newEmail)[1]!);
    expect(second).not.toBe(first);

    expect((await t.http().post('/api/v1/me/email/confirm').send({ token: first }).expect(400)).body.code).toBe('INVALID_TOKEN');
    await t.http().post('/api/v1/me/email/confirm').send({ token: second }).expect(200);
    expect((await t.http().get('/api/v1/me/email/pending').set(s.auth).expect(200)).body).toEqual({ pending: null });
    const audit = await t.dataSource.query(`SELECT action FROM audit_log WHERE subject_user_id = $1 ORDER BY occurred_at`, [user.id]);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(['user.email_change_requested', 'user.email_change_resent', 'user.email_changed']),
    );
  });

  it('cancelling voids the link and keeps the current address', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const newEmail = uniqueEmail('never');
    await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail, password: TEST_PASSWORD }).expect(202);
    await t.settle();
    const token = tokenFrom(await t.mail.waitFor((m) => m.to.includes(newEmail)));

    await t.http().delete('/api/v1/me/email/pending').set(s.auth).expect(204);
    expect((await t.http().get('/api/v1/me/email/pending').set(s.auth).expect(200)).body).toEqual({ pending: null });
    await t.http().post('/api/v1/me/email/confirm').send({ token }).expect(400);
    expect((await t.http().get('/api/v1/me').set(s.auth).expect(200)).body.email).toBe(user.email);

    const again = await t.http().delete('/api/v1/me/email/pending').set(s.auth).expect(404);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body.code).toBe('NO_PENDING_EMAIL_CHANGE');
    expect((await t.http().post('/api/v1/me/email/pending/resend').set(s.auth).expect(404)).body.code).toBe('NO_PENDING_EMAIL_CHANGE');
    const [row] = await t.dataSource.query(
      `SELECT actor_user_id FROM audit_log WHERE action = 'user.email_change_cancelled' AND subject_user_id = $1`,
      [user.id],
    );
    expect(row.actor_user_id).toBe(user.id);
  });

  it('a taken address looks pending like any other, and a resend mails nothing to it', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const s = await signIn(t, user.email);
    await t.http().post('/api/v1/me/email').set(s.auth).send({ newEmail: other.email, password: TEST_PASSWORD }).expect(202);
    expect((await t.http().get('/api/v1/me/email/pending').set(s.auth).expect(200)).body.pending).toMatchObject({ newEmail: other.email });
    await t.http().post('/api/v1/me/email/pending/resend').set(s.auth).expect(202);
    await t.settle();
    expect(confirmMails(other.email)).toHaveLength(0);
  });

  it('sends the link again at most 3 times an hour', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await t
      .http()
      .post('/api/v1/me/email')
      .set(s.auth)
      .send({ newEmail: uniqueEmail('busy'), password: TEST_PASSWORD })
      .expect(202);
    for (let i = 0; i < 3; i++) {
      await t.http().post('/api/v1/me/email/pending/resend').set(s.auth).expect(202);
    }
    const limited = await t.http().post('/api/v1/me/email/pending/resend').set(s.auth).expect(429);
    expect(limited.body.code).toBe('TOO_MANY_RESENDS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(3600_000);
    await t.http().post('/api/v1/me/email/pending/resend').set(s.auth).expect(202);
  });

  it('needs a session', async () => {
    await t.http().get('/api/v1/me/email/pending').expect(401);
    await t.http().delete('/api/v1/me/email/pending').expect(401);
    await t.http().post('/api/v1/me/email/pending/resend').expect(401);
  });
});
