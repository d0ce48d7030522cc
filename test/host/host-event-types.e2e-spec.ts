import { randomBytes } from 'node:crypto';

import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const bootstrap = { Authorization: `Bearer ${SERVICE_TOKEN}` };
const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
const suffix = () => randomBytes(3).toString('hex');
const fields = (res: { body: { errors?: Array<{ field: string; message: string }> } }) => res.body.errors ?? [];

const callSchema = {
  type: 'object',
  properties: {
    callerName: { type: 'string', minLength: 1 },
    calledAt: { type: 'string' },
    durationSeconds: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] } },
  },
  required: ['callerName', 'calledAt'],
  additionalProperties: false,
};

const callTemplates = (marker: string) => ({
  en: {
    email: {
      subject: '[{{marker}}] Missed call from {{callerName}}',
      html: '<p>Hello {{name}},</p>\n<p>{{callerName}} called at {{calledAt}}.</p>\n{{#each tags}}<span>{{label}}</span>{{/each}}',
      text: `Hello {{name}}, {{callerName}} called at {{calledAt}}. ${marker}`,
    },
    inApp: { title: 'Missed call from {{callerName}}', body: `{{callerName}} called at {{calledAt}} (${marker})` },
  },
  es: {
    email: {
      subject: '[{{marker}}] Llamada perdida de {{callerName}}',
      html: '<p>{{callerName}} llamó a las {{calledAt}}.</p>',
      text: `{{callerName}} llamó a las {{calledAt}}. ${marker}`,
    },
  },
});

function definition(name: string, marker: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    category: 'product',
    description: 'A call to your line was not answered',
    channels: ['email', 'in_app', 'sms'],
    defaults: ['email', 'in_app'],
    dataSchema: { ...callSchema, properties: { ...callSchema.properties, marker: { type: 'string' } } },
    templates: {
      ...callTemplates(marker),
      en: { ...callTemplates(marker).en, sms: { text: 'Missed call from {{callerName}}' } },
    },
    ...overrides,
  };
}

describe('Host-defined event types: registered and versioned through the service API, published to members by preference (issue 18)', () => {
  let t: TestApp;
  let manager: { Authorization: string };
  let publisher: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { SERVICE_TOKEN, NOTIFICATION_BACKOFF_MS: '300' } });
    const credential = async (name: string, scopes: string[]) =>
      (await t.http().post('/api/v1/service/credentials').set(bootstrap).send({ name, scopes }).expect(201)).body.secret as string;
    manager = bearer(await credential(`types-${suffix()}`, ['event-types:manage']));
    publisher = bearer(await credential(`publisher-${suffix()}`, ['events:publish']));
  });

  afterAll(async () => {
    await t?.close();
  });

  const register = (body: unknown, auth = manager) =>
    t
      .http()
      .post('/api/v1/service/event-types')
      .set(auth)
      .send(body as object);
  const publish = (body: Record<string, unknown>) =>
    t
      .http()
      .post('/api/v1/events')
      .set(publisher)
      .send({ id: `evt-${randomBytes(8).toString('hex')}`, ...body });

  it('a host registers a type, publishes it to an account, and members get it by email and in-app as their preferences say', async () => {
    const name = `host.call.missed_${suffix()}`;
    const marker = `m-${suffix()}`;
    const created = await register(definition(name, marker)).expect(201);
    expect(created.body).toMatchObject({ name, version: 1, category: 'product', channels: ['email', 'sms', 'in_app'], retiredAt: null });
    const [audit] = await t.dataSource.query(
      `SELECT actor_kind, metadata FROM audit_log WHERE action = 'notifications.event_type_registered' AND metadata->>'name' = $1`,
      [name],
    );
    expect(audit).toMatchObject({ actor_kind: 'service', metadata: { name, version: 1, by: expect.stringMatching(/^types-/) } });

    const team: AccountWithTeam = await createAccountWithTeam(t, 'Call Center');
    // The grid shows the type with its channels and defaults; the member turns email off.
    const grid = await t.http().get('/api/v1/me/notification-preferences').set(team.member.session.auth).expect(200);
    const row = grid.body.items.find((i: { event: string }) => i.event === name);
    expect(row).toMatchObject({ category: 'product', description: 'A call to your line was not answered' });
    expect(row.channels).toEqual([
      { channel: 'email', enabled: true, default: true, locked: false, source: 'catalogue' },
      { channel: 'sms', enabled: false, default: false, locked: false, source: 'catalogue' },
      { channel: 'in_app', enabled: true, default: true, locked: false, source: 'catalogue' },
    ]);
    await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(team.member.session.auth)
      .send({ items: [{ event: name, channel: 'email', enabled: false }] })
      .expect(200);
    // The admin reads Spanish.
    await t.http().patch('/api/v1/me').set(team.admin.session.auth).send({ language: 'es' }).expect(200);
    const catalogue = await t.http().get('/api/v1/events/catalogue').set(team.viewer.session.auth).expect(200);
    expect(catalogue.body.items.find((i: { type: string }) => i.type === name)).toMatchObject({
      source: 'host',
      version: 1,
      defaults: ['email', 'in_app'],
      hostPublishable: true,
      data: { callerName: { type: 'string' }, durationSeconds: { type: 'number', optional: true } },
    });

    const data = { callerName: 'Ada <Lovelace>', calledAt: '09:41', marker, tags: [{ label: 'vip' }] };
    const id = `evt-${randomBytes(8).toString('hex')}`;
    const res = await publish({ id, type: name, accountId: team.accountId, data }).expect(202);
    expect(res.body).toMatchObject({ type: name, version: 1, recipients: 4, skipped: 0, duplicate: false });
    // Idempotent by id as the catalogue events are.
    const again = await publish({ id, type: name, accountId: team.accountId, data }).expect(202);
    expect(again.body).toMatchObject({ version: 1, recipients: 4, duplicate: true });
    await t.settle();

    const mails = t.mail.messages.filter((m) => m.subject.includes(marker));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([team.owner.email, team.admin.email, team.viewer.email].sort());
    const ownerMail = mails.find((m) => m.to.includes(team.owner.email))!;
    expect(ownerMail.subject).toBe(`[${marker}] Missed call from Ada <Lovelace>`);
    expect(ownerMail.html).toContain('Ada &lt;Lovelace&gt; called at 09:41');
    expect(ownerMail.html).toContain('<span>vip</span>');
    expect(ownerMail.html).toContain('your notification preferences');
    expect(ownerMail.text).toContain(`Hello The owner, Ada <Lovelace> called at 09:41. ${marker}`);
    expect(mails.find((m) => m.to.includes(team.admin.email))!.subject).toBe(`[${marker}] Llamada perdida de Ada <Lovelace>`);

    for (const who of [team.owner, team.admin, team.member, team.viewer]) {
      const inbox = await t.http().get('/api/v1/me/notifications').set(who.session.auth).expect(200);
      expect(inbox.body.items.filter((i: { event: string }) => i.event === name)).toEqual([
        expect.objectContaining({ title: 'Missed call from Ada <Lovelace>', body: `Ada <Lovelace> called at 09:41 (${marker})` }),
      ]);
    }
    const outsider = await t.http().get('/api/v1/me/notifications').set(team.outsider.session.auth).expect(200);
    expect(outsider.body.items.some((i: { event: string }) => i.event === name)).toBe(false);
  });

  it("an account's owner sets defaults for a host type like any event: locked off by email, its members get it in-app only", async () => {
    const name = `host.call.missed_${suffix()}`;
    const marker = `d-${suffix()}`;
    await register(definition(name, marker)).expect(201);
    const team = await createAccountWithTeam(t, 'Night Shift');
    const path = `/api/v1/accounts/${team.accountId}/notification-defaults`;
    const grid = await t.http().get(path).set(team.owner.session.auth).expect(200);
    expect(grid.body.items.find((i: { event: string }) => i.event === name)).toMatchObject({
      category: 'product',
      channels: expect.arrayContaining([expect.objectContaining({ channel: 'email', enabled: true, locked: false, set: false })]),
    });
    await t
      .http()
      .put(path)
      .set(team.owner.session.auth)
      .send({ items: [{ event: name, channel: 'email', enabled: false, locked: true }] })
      .expect(200);
    const refused = await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(team.member.session.auth)
      .send({ items: [{ event: name, channel: 'email', enabled: true }] })
      .expect(400);
    expect(refused.body.code).toBe('CHANNEL_LOCKED');

    await publish({ type: name, accountId: team.accountId, data: { callerName: 'Grace', calledAt: '23:10', marker } }).expect(202);
    await t.settle();
    expect(t.mail.messages.filter((m) => m.subject.includes(marker))).toEqual([]);
    const inbox = await t.http().get('/api/v1/me/notifications').set(team.member.session.auth).expect(200);
    expect(inbox.body.items.filter((i: { event: string }) => i.event === name)).toHaveLength(1);
  });

  it('refuses a broken template with a 400 naming the field and the line', async () => {
    const body = definition(`host.broken_${suffix()}`, 'x');
    body.templates.en.email.html = '<p>Hello</p>\n<p>{{#if callerName}}called</p>\n<p>never closed</p>';
    const res = await register(body).expect(400);
    expect(res.body.code).toBe('INVALID_EVENT_TYPE');
    const error = fields(res).find((e) => e.field === 'templates.en.email.html');
    expect(error?.message).toMatch(/line 3/);

    const mismatched = definition(`host.broken_${suffix()}`, 'x');
    mismatched.templates.en.inApp.body = 'ok\n{{#if callerName}}x{{/each}}';
    const res2 = await register(mismatched).expect(400);
    expect(fields(res2)).toEqual([{ field: 'templates.en.inApp.body', message: expect.stringMatching(/^line 2: if doesn't match each/) }]);
    expect((await t.http().get(`/api/v1/service/event-types/${body.name}`).set(manager)).status).toBe(404);
  });

  it('refuses a variable the data schema does not declare, naming it and its line; standard variables and nested ones are fine', async () => {
    const body = definition(`host.undeclared_${suffix()}`, 'x');
    body.templates.en.email.text = 'Hello {{name}}\nsee {{publicUrl}} and {{links.notification_preferences}}\n{{callerNmae}} called';
    body.templates.es.email.html = '{{#each tags}}{{label}} {{colour}}{{/each}}';
    const res = await register(body).expect(400);
    expect(fields(res)).toEqual([
      { field: 'templates.en.email.text', message: expect.stringMatching(/^line 3: \{\{callerNmae\}\}.*not declared in dataSchema/) },
      { field: 'templates.es.email.html', message: expect.stringMatching(/^line 1: \{\{colour\}\}: colour is not declared/) },
    ]);
    const helper = definition(`host.undeclared_${suffix()}`, 'x');
    helper.templates.en.inApp.title = '{{uppercase callerName}}';
    expect(fields(await register(helper).expect(400))).toEqual([
      { field: 'templates.en.inApp.title', message: expect.stringMatching(/^line 1: uppercase is not a helper/) },
    ]);
  });

  it('refuses an invalid JSON Schema, a missing channel template, a built-in or un-namespaced name, and a taken name', async () => {
    const badSchema = definition(`host.schema_${suffix()}`, 'x', { dataSchema: { type: 'object', properties: { a: { type: 'strng' } } } });
    expect(fields(await register(badSchema).expect(400)).map((e) => e.field)).toContain('dataSchema.properties.a.type');
    const typo = definition(`host.schema_${suffix()}`, 'x', { dataSchema: { ...callSchema, requried: ['x'] } });
    expect(fields(await register(typo).expect(400))).toEqual([{ field: 'dataSchema', message: expect.stringMatching(/requried/) }]);
    const noSms = definition(`host.nosms_${suffix()}`, 'x');
    delete (noSms.templates.en as { sms?: unknown }).sms;
    expect(fields(await register(noSms).expect(400))).toEqual([{ field: 'templates.en.sms', message: expect.stringMatching(/required/) }]);
    for (const name of ['invoice.issued', 'calls.missed', 'host', 'Host.Call']) {
      expect(fields(await register(definition(name, 'x')).expect(400)).map((e) => e.field)).toEqual(['name']);
    }
    const name = `host.taken_${suffix()}`;
    await register(definition(name, 'x')).expect(201);
    expect((await register(definition(name, 'x')).expect(409)).body.code).toBe('EVENT_TYPE_EXISTS');
  });

  it('checks published data against the type’s JSON Schema with a 400 naming the field; unknown and retired types are refused', async () => {
    const name = `host.data_${suffix()}`;
    await register(definition(name, 'x')).expect(201);
    const user = await createUser(t);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ calledAt: '10:00' }, 'data.callerName'],
      [{ callerName: 'Bob', calledAt: 10 }, 'data.calledAt'],
      [{ callerName: 'Bob', calledAt: '10:00', durationSeconds: -5 }, 'data.durationSeconds'],
      [{ callerName: 'Bob', calledAt: '10:00', extra: true }, 'data.extra'],
      [{ callerName: 'Bob', calledAt: '10:00', tags: [{ label: 'a' }, {}] }, 'data.tags.1.label'],
    ];
    for (const [data, field] of cases) {
      const res = await publish({ type: name, userId: user.id, data });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(fields(res).map((e) => e.field)).toContain(field);
    }
    expect(fields(await publish({ type: 'host.never_registered', userId: user.id, data: {} }).expect(400))).toEqual([
      { field: 'type', message: expect.any(String) },
    ]);
    expect(
      fields(await publish({ type: name, version: 9, userId: user.id, data: { callerName: 'B', calledAt: 'x' } }).expect(400)),
    ).toEqual([{ field: 'version', message: expect.stringMatching(/no version 9/) }]);
    // A version past any that can exist is simply not found (never a failed int cast).
    for (const v of ['0', '99999999999']) {
      expect((await t.http().get(`/api/v1/service/event-types/${name}/versions/${v}`).set(manager).expect(404)).body.code).toBe(
        'EVENT_TYPE_NOT_FOUND',
      );
    }
    const taken = `evt-${randomBytes(8).toString('hex')}`;
    const first = await publish({ id: taken, type: name, userId: user.id, data: { callerName: 'B', calledAt: 'x' } }).expect(202);
    await t.http().delete(`/api/v1/service/event-types/${name}`).set(manager).expect(204);
    // The host retries an event it sent before the type was retired: the same answer, as a duplicate.
    const retry = await publish({ id: taken, type: name, userId: user.id, data: { callerName: 'B', calledAt: 'x' } }).expect(202);
    expect(retry.body).toEqual({ ...first.body, duplicate: true });
    const listed = async (query: string) =>
      (
        (await t.http().get(`/api/v1/service/event-types?limit=100${query}`).set(manager).expect(200)).body.items as Array<{
          name: string;
          retiredAt: string | null;
        }>
      ).find((i) => i.name === name);
    expect(await listed('')).toBeUndefined();
    expect(await listed('&includeRetired=true')).toMatchObject({ name, retiredAt: expect.any(String) });
    const retired = await publish({ type: name, userId: user.id, data: { callerName: 'B', calledAt: 'x' } }).expect(400);
    expect(retired.body.code).toBe('UNKNOWN_EVENT_TYPE');
    const s = await signIn(t, user.email);
    const grid = await t.http().get('/api/v1/me/notification-preferences').set(s.auth).expect(200);
    expect(grid.body.items.some((i: { event: string }) => i.event === name)).toBe(false);
    const { name: _name, ...again } = definition(name, 'x');
    void _name;
    expect((await t.http().post(`/api/v1/service/event-types/${name}/versions`).set(manager).send(again).expect(409)).body.code).toBe(
      'EVENT_TYPE_RETIRED',
    );
    const [audit] = await t.dataSource.query(
      `SELECT metadata FROM audit_log WHERE action = 'notifications.event_type_retired' AND metadata->>'name' = $1`,
      [name],
    );
    expect(audit.metadata).toMatchObject({ name, versions: 1 });
  });

  it('a marketing host type reaches only members who agreed to marketing mail', async () => {
    const name = `host.campaign.news_${suffix()}`;
    const marker = `mk-${suffix()}`;
    await register(
      definition(name, marker, {
        category: 'marketing',
        channels: ['email', 'in_app'],
        defaults: undefined,
        templates: callTemplates(marker),
      }),
    ).expect(201);
    const team = await createAccountWithTeam(t, 'Marketing Host');
    await t.http().put('/api/v1/me/privacy').set(team.member.session.auth).send({ marketingEmail: true }).expect(200);
    const res = await publish({ type: name, accountId: team.accountId, data: { callerName: 'Promo', calledAt: 'now', marker } }).expect(
      202,
    );
    expect(res.body).toMatchObject({ recipients: 1, skipped: 3 });
    await t.settle();
    expect(t.mail.messages.filter((m) => m.subject.includes(marker)).map((m) => m.to[0])).toEqual([team.member.email]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM notification_inbox WHERE event = $1`, [name]);
    expect(n).toBe(1);
  });

  it('versions: new events use the latest, an event may name an older one, and queued rows keep the version they were published with', async () => {
    const name = `host.versioned_${suffix()}`;
    await register(definition(name, 'v1-text')).expect(201);
    const user = await createUser(t);
    const data = { callerName: 'Vera', calledAt: 'noon', marker: 'ver' };
    // The first event's mail is refused once, so it is rendered again after version 2 exists.
    t.mail.refuse = true;
    let first;
    try {
      first = await publish({ type: name, userId: user.id, data }).expect(202);
      for (let i = 0; ; i++) {
        const [row] = await t.dataSource.query(
          `SELECT attempts, status FROM notification_outbox WHERE user_id = $1 AND channel = 'email'`,
          [user.id],
        );
        if (row && row.attempts >= 1 && row.status !== 'sending') {
          break;
        }
        expect(i).toBeLessThan(200);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      t.mail.refuse = false;
    }
    expect(first.body.version).toBe(1);
    const v2 = definition(name, 'v2-text');
    const { name: _omit, ...body } = v2;
    void _omit;
    const added = await t.http().post(`/api/v1/service/event-types/${name}/versions`).set(manager).send(body).expect(201);
    expect(added.body).toMatchObject({ name, version: 2 });
    const latest = await publish({ type: name, userId: user.id, data }).expect(202);
    const pinned = await publish({ type: name, version: 1, userId: user.id, data }).expect(202);
    expect([latest.body.version, pinned.body.version]).toEqual([2, 1]);
    await t.settle();
    const texts = t.mail.messages
      .filter((m) => m.to.includes(user.email))
      .map((m) => (m.text.includes('v2-text') ? 2 : m.text.includes('v1-text') ? 1 : 0));
    expect(texts.sort()).toEqual([1, 1, 2]);

    const detail = await t.http().get(`/api/v1/service/event-types/${name}`).set(manager).expect(200);
    expect(detail.body).toMatchObject({ version: 2, versions: [{ version: 2 }, { version: 1 }] });
    const one = await t.http().get(`/api/v1/service/event-types/${name}/versions/1`).set(manager).expect(200);
    expect(one.body.templates.en.email.text).toContain('v1-text');
    await t.http().get(`/api/v1/service/event-types/${name}/versions/7`).set(manager).expect(404);
    const list = await t.http().get('/api/v1/service/event-types?limit=100').set(manager).expect(200);
    expect(list.body.items.find((i: { name: string }) => i.name === name)).toMatchObject({ version: 2 });
    const page1 = await t.http().get('/api/v1/service/event-types?limit=1').set(manager).expect(200);
    const page2 = await t.http().get(`/api/v1/service/event-types?limit=1&cursor=${page1.body.nextCursor}`).set(manager).expect(200);
    expect(page2.body.items[0].name > page1.body.items[0].name).toBe(true);
    const badCursor = await t.http().get('/api/v1/service/event-types?cursor=bm9wZQ').set(manager).expect(400);
    expect(fields(badCursor).map((e) => e.field)).toEqual(['cursor']);
    const [audit] = await t.dataSource.query(
      `SELECT metadata FROM audit_log WHERE action = 'notifications.event_type_versioned' AND metadata->>'name' = $1`,
      [name],
    );
    expect(audit.metadata).toMatchObject({ version: 2 });
  });

  it('a stranger gets 401 and a credential without event-types:manage gets 403', async () => {
    const body = definition(`host.denied_${suffix()}`, 'x');
    expect((await register(body, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await t.http().post('/api/v1/service/event-types').send(body)).status).toBe(401);
    const refused = await register(body, publisher);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('SERVICE_SCOPE_MISSING');
    expect((await t.http().get('/api/v1/service/event-types').set(publisher)).status).toBe(403);
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    expect((await t.http().get('/api/v1/service/event-types').set(s.auth)).status).toBe(401);
  });

  it('is documented in the Service API section with its scope', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body;
    const groups = doc['x-tagGroups'] as Array<{ name: string; tags: string[] }>;
    expect(groups.find((g) => g.name === 'Service API')?.tags).toContain('service: event types');
    for (const [path, method] of [
      ['/api/v1/service/event-types', 'post'],
      ['/api/v1/service/event-types', 'get'],
      ['/api/v1/service/event-types/{name}', 'get'],
      ['/api/v1/service/event-types/{name}', 'delete'],
      ['/api/v1/service/event-types/{name}/versions', 'post'],
      ['/api/v1/service/event-types/{name}/versions/{version}', 'get'],
    ]) {
      expect({ path, method, scopes: doc.paths[path][method]['x-service-scopes'], security: doc.paths[path][method].security }).toEqual({
        path,
        method,
        scopes: ['event-types:manage'],
        security: [{ serviceToken: [] }],
      });
    }
  });
});
