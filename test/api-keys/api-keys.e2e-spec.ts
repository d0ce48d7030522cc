import { AccountRole } from '@latchkey/accounts';
import { ChangeFeed } from '@latchkey/core';

import { AccountWithTeam, addMember, createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { makeStaff } from '../support/support-helpers';

const PER_MINUTE = 25;
const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

interface Issued {
  key: { id: string; prefix: string; scopes: string[]; accountId: string | null; roleCap: string | null; expiresAt: string | null };
  secret: string;
}

describe('API keys (personal access tokens): scoped, capped, revocable, session-only routes refuse them', () => {
  let t: TestApp;
  /** A second instance on the same database, as behind a load balancer (closed last: on PGlite it shares t's database). */
  let b: TestApp;
  let team: AccountWithTeam;

  beforeAll(async () => {
    const env = { API_KEY_REQUESTS_PER_MINUTE: String(PER_MINUTE) };
    t = await createTestApp({ env });
    b = await createTestApp({ env, sameDatabaseAs: t, workers: false });
    if (t.database.url) {
      // On PostgreSQL both instances cache keys behind the change feed: the revocation tests must meet a warm cache.
      const deadline = Date.now() + 10_000;
      while (!(t.app.get(ChangeFeed).live && b.app.get(ChangeFeed).live) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(b.app.get(ChangeFeed).live).toBe(true);
    }
    team = await createAccountWithTeam(t, 'Key Team');
  });

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const create = async (auth: Record<string, string>, body: Record<string, unknown>, password = TEST_PASSWORD): Promise<Issued> => {
    const res = await t
      .http()
      .post('/api/v1/me/api-keys')
      .set(auth)
      .send({ name: 'automation', scopes: ['read'], password, ...body });
    if (res.status !== 201) {
      throw new Error(`Key creation failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as Issued;
  };

  describe('creating a key', () => {
    it('needs the password every time, and the second factor when 2FA is on; the secret is shown once and the user is emailed', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const missing = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(s.auth)
        .send({ name: 'ci', scopes: ['read'] })
        .expect(400);
      expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('password');
      const wrong = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(s.auth)
        .send({ name: 'ci', scopes: ['read'], password: 'not-my-password-1' });
      expect([wrong.status, wrong.body.code]).toEqual([400, 'WRONG_PASSWORD']);

      const { secret: totp } = await enrolTotp(t, s.auth);
      const noCode = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(s.auth)
        .send({ name: 'ci', scopes: ['read'], password: TEST_PASSWORD })
        .expect(400);
      expect(noCode.body.code).toBe('MFA_CODE_REQUIRED');
      const issued = await create(s.auth, { name: 'CI deploys', code: totpNow(t, totp) });
      expect(issued.secret).toMatch(/^lk_pat_[A-Za-z0-9_-]{43}$/);
      expect(issued.secret.startsWith(issued.key.prefix)).toBe(true);
      expect(issued.key.scopes).toEqual(['read']);
      const days = (Date.parse(issued.key.expiresAt!) - t.clock.nowMs()) / 86_400_000;
      expect(Math.round(days)).toBe(90);

      const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /API key was created/.test(m.subject));
      expect(mail.text).toContain('CI deploys');
      expect(mail.text).not.toContain(issued.secret);

      const list = await t.http().get('/api/v1/me/api-keys').set(s.auth).expect(200);
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: issued.key.id, name: 'CI deploys', prefix: issued.key.prefix, status: 'active' }),
      ]);
      expect(JSON.stringify(list.body)).not.toContain(issued.secret);
    });

    it('refuses expiries past a year, "never" unless the deployment allows it, and a role cap above the user\'s role', async () => {
      const s = team.member.session;
      const tooLong = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(s.auth)
        .send({ name: 'x', scopes: ['read'], expiresInDays: 366, password: TEST_PASSWORD })
        .expect(400);
      expect(tooLong.body.errors.map((e: { field: string }) => e.field)).toContain('expiresInDays');
      const never = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(s.auth)
        .send({ name: 'x', scopes: ['read'], neverExpires: true, password: TEST_PASSWORD })
        .expect(400);
      expect(never.body.errors.map((e: { field: string }) => e.field)).toContain('neverExpires');
      const capTooHigh = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(s.auth)
        .send({ name: 'x', scopes: ['read'], accountId: team.accountId, roleCap: 'admin', password: TEST_PASSWORD })
        .expect(400);
      expect(capTooHigh.body.errors.map((e: { field: string }) => e.field)).toContain('roleCap');
      const notMine = await t
        .http()
        .post('/api/v1/me/api-keys')
        .set(team.outsider.session.auth)
        .send({ name: 'x', scopes: ['read'], accountId: team.accountId, password: TEST_PASSWORD })
        .expect(400);
      expect(notMine.body.errors.map((e: { field: string }) => e.field)).toContain('accountId');
    });
  });

  describe('using a key', () => {
    it('a read key makes GET calls as its user and is refused every write', async () => {
      const { secret } = await create(team.member.session.auth, { scopes: ['read'] });
      const me = await t.http().get('/api/v1/me').set(bearer(secret)).expect(200);
      expect(me.body.id).toBe(team.member.id);
      await t.http().get(`/api/v1/accounts/${team.accountId}/members`).set(bearer(secret)).expect(200);
      const write = await t.http().patch('/api/v1/me').set(bearer(secret)).send({ displayName: 'Changed by key' }).expect(403);
      expect(write.body.code).toBe('API_KEY_SCOPE_MISSING');
    });

    it('a write key writes, and the audit entry names the key', async () => {
      const { secret, key } = await create(team.admin.session.auth, { scopes: ['read', 'write'] });
      await t.http().patch('/api/v1/me').set(bearer(secret)).send({ displayName: 'Renamed by key' }).expect(200);
      const [entry] = await t.dataSource.query(
        `SELECT actor_user_id, metadata FROM audit_log WHERE action = 'user.profile_updated' AND metadata->>'apiKeyId' = $1`,
        [key.id],
      );
      expect(entry.actor_user_id).toBe(team.admin.id);
    });

    it("an owner's key capped at member cannot do what needs admin or owner", async () => {
      const { secret } = await create(team.owner.session.auth, { scopes: ['read', 'write'], accountId: team.accountId, roleCap: 'member' });
      await t.http().get(`/api/v1/accounts/${team.accountId}`).set(bearer(secret)).expect(200);
      const audit = await t.http().get(`/api/v1/accounts/${team.accountId}/audit-log`).set(bearer(secret)).expect(403);
      expect(audit.body.code).toBe('ROLE_TOO_LOW');
      await t
        .http()
        .post(`/api/v1/accounts/${team.accountId}/invitations`)
        .set(bearer(secret))
        .send({ email: 'x@example.com', role: 'viewer' })
        .expect(403);
    });

    it('a key bound to one account sees another account as a stranger does, and reaches no route outside its account', async () => {
      const other = await t.http().post('/api/v1/accounts').set(team.owner.session.auth).send({ name: 'Other' }).expect(201);
      const { secret } = await create(team.owner.session.auth, { accountId: team.accountId });
      await t.http().get(`/api/v1/accounts/${team.accountId}`).set(bearer(secret)).expect(200);
      const stranger = await t.http().get(`/api/v1/accounts/${other.body.id}`).set(bearer(secret)).expect(404);
      expect(stranger.body.code).toBe('ACCOUNT_NOT_FOUND');
      const me = await t.http().get('/api/v1/me').set(bearer(secret)).expect(403);
      expect(me.body.code).toBe('API_KEY_ACCOUNT_BOUND');
      // An unbound key acts as the user: both accounts.
      const { secret: unbound } = await create(team.owner.session.auth, {});
      await t.http().get(`/api/v1/accounts/${other.body.id}`).set(bearer(unbound)).expect(200);
    });

    it('security-sensitive and staff routes refuse every key with 403 naming the session they need', async () => {
      const staff = await createUser(t, { staffRole: 'support_lead' });
      const staffSession = await signIn(t, staff.email);
      const { secret } = await create(staffSession.auth, { scopes: ['read', 'write'] });
      const refused: Array<[string, string, Record<string, unknown>?]> = [
        ['post', '/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'another-long-password-9' }],
        ['post', '/api/v1/me/email', { newEmail: 'new@example.com', password: TEST_PASSWORD }],
        ['post', '/api/v1/me/mfa/totp/setup', {}],
        ['post', '/api/v1/me/api-keys', { name: 'k', scopes: ['read'], password: TEST_PASSWORD }],
        ['get', '/api/v1/me/api-keys'],
        ['delete', '/api/v1/me', { password: TEST_PASSWORD }],
        ['get', '/api/v1/me/sessions'],
        ['post', '/api/v1/me/exports', {}],
        ['get', '/api/v1/admin/users?q=a'],
        ['get', '/api/v1/support/tickets'],
        // The account's security policy (IP allow-list, require 2FA) and a member's password reset take a person.
        ['patch', `/api/v1/accounts/${team.accountId}`, { ipAllowlist: ['0.0.0.0/0'] }],
        ['post', `/api/v1/accounts/${team.accountId}/members/${team.member.id}/password-reset`, {}],
      ];
      for (const [method, url, body] of refused) {
        const req =
          method === 'get'
            ? t.http().get(url)
            : method === 'delete'
              ? t.http().delete(url)
              : method === 'patch'
                ? t.http().patch(url)
                : t.http().post(url);
        const res = await req.set(bearer(secret)).send(body ?? {});
        expect([method, url, res.status, res.body.code]).toEqual([method, url, 403, 'API_KEY_SESSION_REQUIRED']);
        expect(res.body.detail).toMatch(/session/);
      }
      // ...while the same key is good where keys are allowed.
      await t.http().get('/api/v1/me').set(bearer(secret)).expect(200);
    });

    it('limits each key per minute (429 with Retry-After), without touching another key', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const a = await create(s.auth, {});
      const b = await create(s.auth, {});
      t.clock.advance(61_000);
      for (let i = 0; i < PER_MINUTE; i++) {
        await t.http().get('/api/v1/me').set(bearer(a.secret)).expect(200);
      }
      const limited = await t.http().get('/api/v1/me').set(bearer(a.secret)).expect(429);
      expect(limited.body.code).toBe('API_KEY_RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await t.http().get('/api/v1/me').set(bearer(b.secret)).expect(200);
      t.clock.advance(61_000);
      await t.http().get('/api/v1/me').set(bearer(a.secret)).expect(200);
    });

    it('records when and from where a key was last used', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const { key, secret } = await create(s.auth, {});
      await t.http().get('/api/v1/me').set(bearer(secret)).expect(200);
      const list = await t.http().get('/api/v1/me/api-keys').set(s.auth).expect(200);
      const listed = list.body.items.find((k: { id: string }) => k.id === key.id);
      expect(Math.abs(Date.parse(listed.lastUsedAt) - t.clock.nowMs())).toBeLessThan(5_000);
      expect(listed.lastUsedIp).toMatch(/127\.0\.0\.1|::1/);
    });
  });

  describe('a key stops working at once', () => {
    it('when revoked (seen by another instance on its next request)', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const { key, secret } = await create(s.auth, {});
      await b.http().get('/api/v1/me').set(bearer(secret)).expect(200);
      await b.http().get('/api/v1/me').set(bearer(secret)).expect(200);
      await t.http().delete(`/api/v1/me/api-keys/${key.id}`).set(s.auth).expect(204);
      const gone = await b.http().get('/api/v1/me').set(bearer(secret)).expect(401);
      expect(gone.body.code).toBe('API_KEY_INVALID');
      await t.http().delete(`/api/v1/me/api-keys/${key.id}`).set(s.auth).expect(404);
      const audit = await t.dataSource.query(`SELECT 1 FROM audit_log WHERE action = 'api_key.revoked' AND metadata->>'keyId' = $1`, [
        key.id,
      ]);
      expect(audit).toHaveLength(1);
    });

    it('when its user resets the password (taking the account back ends what an intruder made), on every instance', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const { secret } = await create(s.auth, {});
      await b.http().get('/api/v1/me').set(bearer(secret)).expect(200);
      await t.http().post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
      await t.settle();
      const mail = await t.mail.waitFor((m) => m.to.includes(user.email.toLowerCase()) && /Reset your password/.test(m.subject));
      await t
        .http()
        .post('/api/v1/auth/password/reset')
        .send({ token: tokenFrom(mail), newPassword: 'cobalt-meadow-frost-88' })
        .expect(200);
      const gone = await b.http().get('/api/v1/me').set(bearer(secret)).expect(401);
      expect(gone.body.code).toBe('API_KEY_INVALID');
      const [audit] = await t.dataSource.query(
        `SELECT actor_kind, metadata->>'reason' AS reason FROM audit_log WHERE action = 'api_key.all_revoked' AND subject_user_id = $1`,
        [user.id],
      );
      expect(audit).toEqual({ actor_kind: 'system', reason: 'password_reset' });
    });

    it('when its user loses the membership of its account', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      await addMember(t, team.accountId, user.id, AccountRole.Member);
      const { secret } = await create(s.auth, { accountId: team.accountId });
      await t.http().get(`/api/v1/accounts/${team.accountId}`).set(bearer(secret)).expect(200);
      await b.http().get(`/api/v1/accounts/${team.accountId}`).set(bearer(secret)).expect(200);
      await t.http().delete(`/api/v1/accounts/${team.accountId}/members/${user.id}`).set(team.owner.session.auth).expect(204);
      const res = await b.http().get(`/api/v1/accounts/${team.accountId}`).set(bearer(secret)).expect(401);
      expect(res.body.code).toBe('API_KEY_INVALID');
    });

    it("when an owner revokes it from the account's key list (admins cannot see that list)", async () => {
      const { key, secret } = await create(team.admin.session.auth, { accountId: team.accountId, roleCap: 'viewer' });
      await t.http().get(`/api/v1/accounts/${team.accountId}/api-keys`).set(team.admin.session.auth).expect(403);
      const list = await t.http().get(`/api/v1/accounts/${team.accountId}/api-keys`).set(team.owner.session.auth).expect(200);
      expect(list.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: key.id, userId: team.admin.id, userEmail: team.admin.email, roleCap: 'viewer' }),
        ]),
      );
      await t.http().delete(`/api/v1/accounts/${team.accountId}/api-keys/${key.id}`).set(team.owner.session.auth).expect(204);
      await t.http().get(`/api/v1/accounts/${team.accountId}`).set(bearer(secret)).expect(401);
    });

    it('when it expires', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const { secret } = await create(s.auth, { expiresInDays: 1 });
      await t.http().get('/api/v1/me').set(bearer(secret)).expect(200);
      t.clock.advance(24 * 60 * 60_000 + 1000);
      await t.http().get('/api/v1/me').set(bearer(secret)).expect(401);
    });
  });

  it("over every account-scoped route in the OpenAPI document, an owner's key capped at a role does what that role may, within its scope", async () => {
    const matrix = await createAccountWithTeam(t, 'Key Matrix');
    const doc = await t.http().get('/api/docs-json').expect(200);
    const routes: Array<{ method: string; path: string; keys: boolean; least?: string }> = [];
    for (const [path, ops] of Object.entries(doc.body.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      if (!path.startsWith('/api/v1/accounts/{accountId}')) {
        continue;
      }
      for (const [method, op] of Object.entries(ops).filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
        routes.push({ method, path, keys: op['x-api-key-access'] === true });
      }
    }
    expect(routes.filter((r) => r.keys).length).toBeGreaterThan(10);
    expect(routes.filter((r) => !r.keys).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['delete /api/v1/accounts/{accountId}', 'post /api/v1/accounts/{accountId}/transfer-ownership']),
    );
    const outcome = (res: { status: number; body: { code?: string } }) =>
      res.status === 403 ? String(res.body.code) : res.status === 404 && res.body.code === 'ACCOUNT_NOT_FOUND' ? 'hidden' : 'passed';
    const call = (method: string, path: string, auth: Record<string, string>) => {
      const url = path.replace('{accountId}', matrix.accountId).replace(/\{[^}]+\}/g, () => '00000000-0000-4000-8000-000000000000');
      return t.http()[method as 'get'](url).set(auth).send({});
    };
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const cap of ['viewer', 'member', 'admin', 'owner'] as const) {
      for (const scopes of [['read'], ['read', 'write']]) {
        t.clock.advance(61_000);
        const { secret } = await create(matrix.owner.session.auth, { scopes, accountId: matrix.accountId, roleCap: cap });
        for (const { method, path, keys } of routes) {
          const name = `${cap} ${scopes.join('+')} ${method.toUpperCase()} ${path}`;
          const asRole = outcome(await call(method, path, matrix[cap].session.auth));
          expected[name] = !keys
            ? 'API_KEY_SESSION_REQUIRED'
            : method !== 'get' && !scopes.includes('write')
              ? 'API_KEY_SCOPE_MISSING'
              : asRole;
          actual[name] = outcome(await call(method, path, bearer(secret)));
        }
      }
    }
    expect(actual).toEqual(expected);
    expect(Object.values(actual)).toEqual(expect.arrayContaining(['passed', 'ROLE_TOO_LOW']));
  });

  it('support staff see how many keys a user holds, never the keys', async () => {
    const staff = await makeStaff(t, 'support');
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const first = await create(s.auth, { name: 'one' });
    await create(s.auth, { name: 'two' });
    await t.http().delete(`/api/v1/me/api-keys/${first.key.id}`).set(s.auth).expect(204);
    const detail = await t.http().get(`/api/v1/admin/users/${user.id}`).set(staff.auth).expect(200);
    expect(detail.body.apiKeys).toEqual({ active: 1, total: 2 });
    expect(JSON.stringify(detail.body)).not.toContain(first.key.prefix);
  });

  it('the database never holds a secret in clear: only its SHA-256 and a short prefix', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const issued = await Promise.all([create(s.auth, { name: 'one' }), create(s.auth, { name: 'two', scopes: ['read', 'write'] })]);
    const body = (secret: string) => secret.slice('lk_pat_'.length);
    const rows: Array<{ json: string }> = await t.dataSource.query(`SELECT row_to_json(k)::text AS json FROM api_keys k`);
    const dumps = [
      ...rows.map((r) => r.json),
      ...(await t.dataSource.query(`SELECT row_to_json(a)::text AS json FROM audit_log a`)).map((r: { json: string }) => r.json),
      ...(await t.dataSource.query(`SELECT row_to_json(o)::text AS json FROM notification_outbox o`)).map((r: { json: string }) => r.json),
    ].join('\n');
    for (const { secret } of issued) {
      expect(dumps).not.toContain(body(secret));
      expect(dumps).not.toContain(body(secret).slice(0, 20));
    }
  });
});
