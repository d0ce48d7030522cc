import { randomBytes } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { enrolTotp } from '../mfa/mfa-helpers';
import { WebhookReceiver as Receiver } from '../fakes/webhook-receiver';
import { TestApp, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = randomBytes(24).toString('hex');

describe('Security webhooks: signed, retried, per account and per deployment (issue 18)', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // Loopback receivers are private addresses: allowed here, refused by default (see the SSRF test).
    t = await createTestApp({
      env: { SERVICE_TOKEN, WEBHOOKS_ALLOW_PRIVATE: 'true', NOTIFICATION_BACKOFF_MS: '50', NOTIFICATION_MAX_ATTEMPTS: '3' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const addEndpoint = async (team: AccountWithTeam, body: Record<string, unknown> = {}) => {
    const res = await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/webhooks`)
      .set(team.owner.session.auth)
      .send({ url: receiver.url, description: 'SIEM', ...body })
      .expect(201);
    return res.body as { endpoint: { id: string }; secret: string };
  };

  it('an owner adds an endpoint; a require-2FA change reaches it signed, verifiable with the Standard Webhooks library', async () => {
    const team = await createAccountWithTeam(t, 'Hooked');
    const { endpoint, secret } = await addEndpoint(team);
    expect(secret).toMatch(/^whsec_/);
    const [row] = await t.dataSource.query(`SELECT secret_sealed FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(row.secret_sealed).not.toContain(secret.slice(6, 20));

    await enrolTotp(t, team.owner.session.auth);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(200);
    await t.settle();
    const [got] = receiver.ofType('account.require_2fa_changed').filter((r) => r.json.data.accountId === team.accountId);
    expect(got).toBeDefined();
    expect(got!.json.data).toMatchObject({ accountId: team.accountId, required: true, actorUserId: team.owner.id });
    const verified = new Webhook(secret).verify(got!.body, {
      'webhook-id': String(got!.headers['webhook-id']),
      'webhook-timestamp': String(got!.headers['webhook-timestamp']),
      'webhook-signature': String(got!.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ type: 'account.require_2fa_changed' });
    // A tampered body does not verify.
    expect(() =>
      new Webhook(secret).verify(got!.body.replace('true', 'false'), {
        'webhook-id': String(got!.headers['webhook-id']),
        'webhook-timestamp': String(got!.headers['webhook-timestamp']),
        'webhook-signature': String(got!.headers['webhook-signature']),
      }),
    ).toThrow();

    const log = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/webhooks/${endpoint.id}/deliveries`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(log.body.items.find((d: { id: string }) => d.id === got!.headers['webhook-id'])).toMatchObject({
      status: 'delivered',
      type: 'account.require_2fa_changed',
    });
  });

  it("a member's own security events (2FA on, password changed, new-device sign-in) reach every account they belong to", async () => {
    const team = await createAccountWithTeam(t, 'Members Hooked');
    await addEndpoint(team, { events: ['mfa.enabled', 'password.changed', 'sign_in.new_device'] });
    // From a browser this member never used (before 2FA, so the password signs in).
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0')
      .send({ email: team.member.email, password: TEST_PASSWORD })
      .expect(200);
    await enrolTotp(t, team.member.session.auth);
    await t
      .http()
      .post('/api/v1/me/password')
      .set(team.member.session.auth)
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'violet-anchor-meadow-41' })
      .expect((res) => expect(res.status).toBeLessThan(300));
    await t.settle();
    const mine = (type: string) => receiver.ofType(type).filter((r) => r.json.data.userId === team.member.id);
    expect(mine('mfa.enabled')).toHaveLength(1);
    expect(mine('mfa.enabled')[0]!.json.data.factor).toBe('totp');
    expect(mine('password.changed')).toHaveLength(1);
    expect(mine('sign_in.new_device').map((r) => r.json.data.browser)).toEqual([expect.stringContaining('Firefox')]);
    // An outsider's events do not reach this account's endpoint.
    const stranger = await createUser(t);
    await signIn(t, stranger.email);
    await t.settle();
    expect(receiver.received.filter((r) => r.json.data.userId === stranger.id)).toHaveLength(0);
  });

  it('retries after the receiver answers 500, with the same webhook-id, then delivers once', async () => {
    const team = await createAccountWithTeam(t, 'Flaky Receiver');
    const { endpoint } = await addEndpoint(team, { events: ['webhook.test'] });
    receiver.answers = [500, 500];
    const { deliveryId } = (
      await t.http().post(`/api/v1/accounts/${team.accountId}/webhooks/${endpoint.id}/test`).set(team.owner.session.auth).expect(202)
    ).body;
    await t.settle(30_000);
    const attempts = receiver.received.filter((r) => r.headers['webhook-id'] === deliveryId);
    expect(attempts).toHaveLength(3);
    const log = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/webhooks/${endpoint.id}/deliveries`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(log.body.items[0]).toMatchObject({ id: deliveryId, status: 'delivered', attempts: 3 });
  });

  it('after a rotation both secrets sign until the old one expires', async () => {
    const team = await createAccountWithTeam(t, 'Rotating Hooks');
    const { endpoint, secret: oldSecret } = await addEndpoint(team, { events: ['webhook.test'] });
    const rotated = await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/webhooks/${endpoint.id}/rotate-secret`)
      .set(team.owner.session.auth)
      .send({ previousValidForMinutes: 60 })
      .expect(200);
    const { deliveryId } = (
      await t.http().post(`/api/v1/accounts/${team.accountId}/webhooks/${endpoint.id}/test`).set(team.owner.session.auth).expect(202)
    ).body;
    await t.settle();
    const got = receiver.received.find((r) => r.headers['webhook-id'] === deliveryId)!;
    const headers = {
      'webhook-id': deliveryId,
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(got.body, headers)).not.toThrow();
    expect(() => new Webhook(rotated.body.secret).verify(got.body, headers)).not.toThrow();
  });

  it('only owners manage endpoints; another account cannot see them', async () => {
    const team = await createAccountWithTeam(t, 'Owner Only Hooks');
    const { endpoint } = await addEndpoint(team);
    await t.http().get(`/api/v1/accounts/${team.accountId}/webhooks`).set(team.admin.session.auth).expect(403);
    await t.http().post(`/api/v1/accounts/${team.accountId}/webhooks`).set(team.admin.session.auth).send({ url: receiver.url }).expect(403);
    const other = await createAccountWithTeam(t, 'Elsewhere');
    await t.http().get(`/api/v1/accounts/${other.accountId}/webhooks/${endpoint.id}/deliveries`).set(other.owner.session.auth).expect(404);
    await t.http().delete(`/api/v1/accounts/${other.accountId}/webhooks/${endpoint.id}`).set(other.owner.session.auth).expect(404);
  });

  it('a deployment endpoint set through the service API hears every account', async () => {
    const cred = await t
      .http()
      .post('/api/v1/service/credentials')
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({ name: 'siem', scopes: ['webhooks:manage'] })
      .expect(201);
    const auth = { Authorization: `Bearer ${cred.body.secret}` };
    await t
      .http()
      .post('/api/v1/service/webhooks')
      .set(auth)
      .send({ url: receiver.url, events: ['member.role_changed'] })
      .expect(201);
    const team = await createAccountWithTeam(t, 'Deployment Watched');
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.viewer.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'member' })
      .expect(200);
    await t.settle();
    expect(receiver.ofType('member.role_changed').filter((r) => r.json.data.accountId === team.accountId)[0]?.json.data).toMatchObject({
      userId: team.viewer.id,
      from: 'viewer',
      to: 'member',
    });
  });

  it("a user's consent change reaches the deployment's endpoints as consent.changed, never an account's", async () => {
    const cred = await t
      .http()
      .post('/api/v1/service/credentials')
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({ name: 'crm-sync', scopes: ['webhooks:manage'] })
      .expect(201);
    await t
      .http()
      .post('/api/v1/service/webhooks')
      .set({ Authorization: `Bearer ${cred.body.secret}` })
      .send({ url: `${receiver.url}?crm`, events: ['consent.changed'] })
      .expect(201);
    const team = await createAccountWithTeam(t, 'Consent Watched');
    await addEndpoint(team, { url: `${receiver.url}?account` });
    await t.http().put('/api/v1/me/privacy').set(team.member.session.auth).send({ marketingEmail: true }).expect(200);
    await t.settle();
    const got = receiver.ofType('consent.changed').filter((r) => r.json.data.userId === team.member.id);
    expect(got.map((r) => r.path)).toEqual(['/hooks?crm']);
    expect(got[0]!.json.data).toMatchObject({ purpose: 'marketing_email', granted: true, source: 'api' });
  });
});

describe('Security webhooks refuse private addresses (SSRF)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://10.1.2.3/hook',
    'https://user:pw@example.com/hook',
    'ftp://example.com/hook',
  ])('refuses %s with a 400 naming url', async (url) => {
    const team = await createAccountWithTeam(t, 'SSRF');
    const res = await t.http().post(`/api/v1/accounts/${team.accountId}/webhooks`).set(team.owner.session.auth).send({ url });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
  });
});
