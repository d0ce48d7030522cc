import { randomBytes } from 'node:crypto';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const host = { Authorization: `Bearer ${SERVICE_TOKEN}` };

function newsletter(target: { userId?: string; accountId?: string }, title = `Tips ${randomBytes(4).toString('hex')}`) {
  return {
    id: `evt_${randomBytes(8).toString('hex')}`,
    type: 'marketing.newsletter',
    ...target,
    data: { title, summary: 'Five ways to use it' },
  };
}

describe('Consent: privacy choices recorded with their source, read by the host, and marketing never sent without consent', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { SERVICE_TOKEN, TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('defaults to analytics on and marketing off; each change is a record with what, when, source, IP and user agent', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    expect((await t.http().get('/api/v1/me/privacy').set(s.auth).expect(200)).body).toEqual({
      analyticsOptOut: false,
      marketingEmail: false,
      updatedAt: null,
    });
    const from = { 'X-Forwarded-For': '203.0.113.9', 'User-Agent': 'ConsentTest/1.0' };
    const put = await t.http().put('/api/v1/me/privacy').set(s.auth).set(from).send({ marketingEmail: true }).expect(200);
    expect(put.body).toMatchObject({ analyticsOptOut: false, marketingEmail: true, updatedAt: expect.any(String) });
    // The same value again records nothing.
    await t.http().put('/api/v1/me/privacy').set(s.auth).send({ marketingEmail: true }).expect(200);
    await t.http().put('/api/v1/me/privacy').set(s.auth).set(from).send({ analyticsOptOut: true, marketingEmail: false }).expect(200);
    const history = await t.http().get('/api/v1/me/consents').set(s.auth).expect(200);
    expect(history.body.items).toHaveLength(3);
    expect(history.body.items.map((r: { purpose: string; granted: boolean }) => [r.purpose, r.granted]).sort()).toEqual([
      ['analytics', false],
      ['marketing_email', false],
      ['marketing_email', true],
    ]);
    expect(history.body.items[0]).toMatchObject({
      source: 'api',
      ip: '203.0.113.9',
      userAgent: 'ConsentTest/1.0',
      occurredAt: expect.any(String),
    });
    const page = await t.http().get('/api/v1/me/consents?limit=2').set(s.auth).expect(200);
    expect(page.body.items).toHaveLength(2);
    const rest = await t.http().get(`/api/v1/me/consents?limit=2&cursor=${page.body.nextCursor}`).set(s.auth).expect(200);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.consent_changed' AND subject_user_id = $1`,
      [user.id],
    );
    expect(n).toBe(3);
  });

  it('a cookie session (the console) records the source console; bad input names the field', async () => {
    const user = await createUser(t);
    const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    const cookie = { Cookie: cookies.join('; '), 'X-CSRF-Token': login.body.csrfToken };
    await t.http().put('/api/v1/me/privacy').set(cookie).send({ analyticsOptOut: true }).expect(200);
    const history = await t.http().get('/api/v1/me/consents').set(cookie).expect(200);
    expect(history.body.items[0]).toMatchObject({ purpose: 'analytics', granted: false, source: 'console' });
    const bad = await t.http().put('/api/v1/me/privacy').set(cookie).send({ marketingEmail: 'yes' }).expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('marketingEmail');
  });

  it("the host reads a user's consent and the feed of changes with the service token only", async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await t.http().get(`/api/v1/service/users/${user.id}/consent`).expect(401);
    await t.http().get(`/api/v1/service/users/${user.id}/consent`).set(s.auth).expect(401);
    expect((await t.http().get(`/api/v1/service/users/${user.id}/consent`).set(host).expect(200)).body).toMatchObject({
      userId: user.id,
      marketingEmail: false,
      analyticsOptOut: false,
    });
    await t.http().get(`/api/v1/service/users/00000000-0000-4000-8000-000000000000/consent`).set(host).expect(404);
    // Read the feed to its end, as a host catching up would.
    let cursor: string | null = null;
    for (let full = true; full;) {
      const page: { items: unknown[]; nextCursor: string | null } = (
        await t
          .http()
          .get(`/api/v1/service/consents/changes?limit=500${cursor ? `&after=${cursor}` : ''}`)
          .set(host)
          .expect(200)
      ).body;
      cursor = page.nextCursor;
      full = page.items.length === 500;
    }
    await t.http().put('/api/v1/me/privacy').set(s.auth).send({ marketingEmail: true }).expect(200);
    expect((await t.http().get(`/api/v1/service/users/${user.id}/consent`).set(host).expect(200)).body.marketingEmail).toBe(true);
    const feed = await t
      .http()
      .get(`/api/v1/service/consents/changes${cursor ? `?after=${cursor}` : ''}`)
      .set(host)
      .expect(200);
    expect(feed.body.items).toEqual([
      expect.objectContaining({ userId: user.id, purpose: 'marketing_email', granted: true, source: 'api', cursor: feed.body.nextCursor }),
    ]);
    expect(JSON.stringify(feed.body)).not.toContain('userAgent');
    await t.http().get('/api/v1/service/consents/changes').expect(401);
  });

  it('a marketing event posted by the host reaches only users who agreed: no mail, no inbox entry for the others', async () => {
    const agreed = await createUser(t);
    const declined = await createUser(t);
    const silent = await createUser(t);
    const a = await signIn(t, agreed.email);
    const d = await signIn(t, declined.email);
    await t.http().put('/api/v1/me/privacy').set(a.auth).send({ marketingEmail: true }).expect(200);
    await t.http().put('/api/v1/me/privacy').set(d.auth).send({ marketingEmail: true }).expect(200);
    await t.http().put('/api/v1/me/privacy').set(d.auth).send({ marketingEmail: false }).expect(200);

    const title = `Spring offers ${randomBytes(4).toString('hex')}`;
    const results = [];
    for (const user of [agreed, declined, silent]) {
      results.push(
        (
          await t
            .http()
            .post('/api/v1/events')
            .set(host)
            .send(newsletter({ userId: user.id }, title))
            .expect(202)
        ).body,
      );
    }
    expect(results.map((r) => [r.recipients, r.skipped])).toEqual([
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(agreed.email) && m.subject === title);
    expect(mail.text).toContain('privacy settings');
    const got = t.mail.messages.filter((m) => m.subject === title).flatMap((m) => m.to);
    expect(got).toEqual([agreed.email]);
    const skipped: Array<{ user_id: string; recipient: string }> = await t.dataSource.query(
      `SELECT user_id, recipient FROM notification_outbox WHERE event = 'marketing.newsletter' AND status = 'skipped' AND last_error = 'no_marketing_consent'
        AND user_id = ANY($1::uuid[])`,
      [[declined.id, silent.id]],
    );
    expect(skipped.map((r) => r.user_id).sort()).toEqual([declined.id, silent.id].sort());
    expect(skipped.every((r) => !r.recipient.includes('@'))).toBe(true);
    const [{ inbox }] = await t.dataSource.query(
      `SELECT count(*)::int AS inbox FROM notification_inbox WHERE event = 'marketing.newsletter' AND user_id = ANY($1::uuid[])`,
      [[declined.id, silent.id]],
    );
    expect(inbox).toBe(0);
  });

  it("fanned out to an account's members, a marketing event skips those without consent", async () => {
    const team = await createAccountWithTeam(t, 'Marketing Team');
    await t.http().put('/api/v1/me/privacy').set(team.admin.session.auth).send({ marketingEmail: true }).expect(200);
    const title = `Team news ${randomBytes(4).toString('hex')}`;
    const res = await t
      .http()
      .post('/api/v1/events')
      .set(host)
      .send(newsletter({ accountId: team.accountId }, title))
      .expect(202);
    expect(res.body).toMatchObject({ recipients: 1, skipped: 3 });
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(team.admin.email) && m.subject === title);
    expect(t.mail.messages.filter((m) => m.subject === title).flatMap((m) => m.to)).toEqual([team.admin.email]);
  });
});
