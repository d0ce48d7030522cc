import { createHash, randomBytes } from 'node:crypto';

import { createUser } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const bootstrap = { Authorization: `Bearer ${SERVICE_TOKEN}` };
const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('Service credentials: named, scoped, hashed at rest, rotatable (issue 18)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { SERVICE_TOKEN } });
  });

  afterAll(async () => {
    await t?.close();
  });

  const create = async (name: string, scopes: string[], auth = bootstrap) => {
    const res = await t.http().post('/api/v1/service/credentials').set(auth).send({ name, scopes }).expect(201);
    return res.body as { credential: { id: string; name: string; scopes: string[]; secretHint: string }; secret: string };
  };

  const publish = async (auth: Record<string, string>) => {
    const user = await createUser(t);
    return t
      .http()
      .post('/api/v1/events')
      .set(auth)
      .send({
        id: `evt-${randomBytes(6).toString('hex')}`,
        type: 'product.update',
        userId: user.id,
        data: { title: 'New', summary: 'Something new.' },
      });
  };

  it('the bootstrap SERVICE_TOKEN creates a credential whose secret is shown once and kept only as a hash', async () => {
    const { credential, secret } = await create(`publisher-${randomBytes(3).toString('hex')}`, ['events:publish']);
    expect(secret).toMatch(/^lksv_[A-Za-z0-9_-]{43}$/);
    expect(credential.scopes).toEqual(['events:publish']);
    expect(secret.startsWith(credential.secretHint)).toBe(true);
    const [row] = await t.dataSource.query(`SELECT row_to_json(c)::text AS json, secret_hash FROM service_credentials c WHERE id = $1`, [
      credential.id,
    ]);
    expect(row.secret_hash).toBe(sha256(secret));
    expect(row.json).not.toContain(secret);
    const listed = await t.http().get('/api/v1/service/credentials').set(bootstrap).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(credential.id);
    const audit = await t.dataSource.query(
      `SELECT actor_kind, metadata FROM audit_log WHERE action = 'service.credential_created' AND metadata->>'credentialId' = $1`,
      [credential.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_kind).toBe('service');
    expect(audit[0].metadata.by).toBe('SERVICE_TOKEN');
  });

  it('a credential does what its scopes allow and nothing else', async () => {
    const publisher = await create(`events-only-${randomBytes(3).toString('hex')}`, ['events:publish']);
    expect((await publish(bearer(publisher.secret))).status).toBe(202);
    const manage = await t.http().get('/api/v1/service/credentials').set(bearer(publisher.secret));
    expect(manage.status).toBe(403);
    expect(manage.body.code).toBe('SERVICE_SCOPE_MISSING');

    const admin = await create(`manager-${randomBytes(3).toString('hex')}`, ['credentials:manage']);
    const publishAsAdmin = await publish(bearer(admin.secret));
    expect(publishAsAdmin.status).toBe(403);
    expect(publishAsAdmin.body.code).toBe('SERVICE_SCOPE_MISSING');
    // It cannot hand out a scope it does not hold.
    const escalate = await t
      .http()
      .post('/api/v1/service/credentials')
      .set(bearer(admin.secret))
      .send({ name: 'sneaky', scopes: ['events:publish'] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.errors).toEqual([expect.objectContaining({ field: 'scopes' })]);
    const made = await create(`child-${randomBytes(3).toString('hex')}`, ['credentials:manage'], bearer(admin.secret));
    expect(made.credential.scopes).toEqual(['credentials:manage']);
  });

  it('refuses a bad name or an unknown scope with a 400 naming the field, and a taken name with 409', async () => {
    const badScope = await t
      .http()
      .post('/api/v1/service/credentials')
      .set(bootstrap)
      .send({ name: 'x', scopes: ['root'] });
    expect(badScope.status).toBe(400);
    expect(badScope.body.errors).toEqual([expect.objectContaining({ field: 'scopes' })]);
    const badName = await t
      .http()
      .post('/api/v1/service/credentials')
      .set(bootstrap)
      .send({ name: '../etc', scopes: ['events:publish'] });
    expect(badName.status).toBe(400);
    expect(badName.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    const none = await t.http().post('/api/v1/service/credentials').set(bootstrap).send({ name: 'empty', scopes: [] });
    expect(none.status).toBe(400);
    const name = `twice-${randomBytes(3).toString('hex')}`;
    await create(name, ['events:publish']);
    const again = await t
      .http()
      .post('/api/v1/service/credentials')
      .set(bootstrap)
      .send({ name, scopes: ['events:publish'] });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('SERVICE_CREDENTIAL_NAME_TAKEN');
  });

  it('rotation keeps the old secret working for the grace period, then only the new one', async () => {
    const { credential, secret: first } = await create(`rotating-${randomBytes(3).toString('hex')}`, ['events:publish']);
    const rotated = await t
      .http()
      .post(`/api/v1/service/credentials/${credential.id}/rotate`)
      .set(bootstrap)
      .send({ previousValidForMinutes: 60 })
      .expect(200);
    const second = rotated.body.secret as string;
    expect(second).not.toBe(first);
    const validFor = Date.parse(rotated.body.credential.previousSecretValidUntil) - t.clock.nowMs();
    expect(validFor).toBeGreaterThan(59 * 60_000);
    expect(validFor).toBeLessThanOrEqual(60 * 60_000);
    expect((await publish(bearer(first))).status).toBe(202);
    expect((await publish(bearer(second))).status).toBe(202);
    t.clock.advance(61 * 60_000);
    expect((await publish(bearer(first))).status).toBe(401);
    expect((await publish(bearer(second))).status).toBe(202);

    // Never more than two: a second rotation replaces the previous secret, and 0 minutes ends it at once.
    const third = (
      await t
        .http()
        .post(`/api/v1/service/credentials/${credential.id}/rotate`)
        .set(bootstrap)
        .send({ previousValidForMinutes: 0 })
        .expect(200)
    ).body.secret as string;
    expect((await publish(bearer(second))).status).toBe(401);
    expect((await publish(bearer(third))).status).toBe(202);
    const audit = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'service.credential_rotated' AND metadata->>'credentialId' = $1`,
      [credential.id],
    );
    expect(audit[0].n).toBe(2);
  });

  it('revoking ends both secrets at once, and a revoked credential cannot be rotated back', async () => {
    const { credential, secret } = await create(`revoked-${randomBytes(3).toString('hex')}`, ['events:publish']);
    const next = (await t.http().post(`/api/v1/service/credentials/${credential.id}/rotate`).set(bootstrap).send({}).expect(200)).body
      .secret as string;
    await t.http().delete(`/api/v1/service/credentials/${credential.id}`).set(bootstrap).expect(204);
    expect((await publish(bearer(secret))).status).toBe(401);
    expect((await publish(bearer(next))).status).toBe(401);
    await t.http().post(`/api/v1/service/credentials/${credential.id}/rotate`).set(bootstrap).send({}).expect(404);
    await t.http().delete(`/api/v1/service/credentials/${credential.id}`).set(bootstrap).expect(404);
    const got = await t.http().get(`/api/v1/service/credentials/${credential.id}`).set(bootstrap).expect(200);
    expect(got.body.revokedAt).not.toBeNull();
  });

  it('the document shows the service API as its own section with its security scheme and scopes', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body;
    const groups = doc['x-tagGroups'] as Array<{ name: string; tags: string[] }>;
    expect(groups.find((g) => g.name === 'Service API')?.tags).toEqual(expect.arrayContaining(['service: credentials', 'service: events']));
    const create = doc.paths['/api/v1/service/credentials'].post;
    expect(create.security).toEqual([{ serviceToken: [] }]);
    expect(create['x-service-scopes']).toEqual(['credentials:manage']);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409', '429']));
    expect(doc.paths['/api/v1/events'].post['x-service-scopes']).toEqual(['events:publish']);
  });

  it('a network sending wrong service tokens is refused before any check, even with a right one', async () => {
    // A fresh window: the wrong secrets of the tests above counted too.
    t.clock.advance(16 * 60_000);
    for (let i = 0; i < 20; i++) {
      const res = await t
        .http()
        .get('/api/v1/service/credentials')
        .set(bearer(`lksv_${randomBytes(32).toString('base64url')}`));
      expect(res.status).toBe(401);
    }
    const limited = await t.http().get('/api/v1/service/credentials').set(bootstrap);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(16 * 60_000);
    await t.http().get('/api/v1/service/credentials').set(bootstrap).expect(200);
  });
});
