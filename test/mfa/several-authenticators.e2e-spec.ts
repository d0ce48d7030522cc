import { FACTOR_KINDS } from '@latchkey/mfa';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { download, waitForExport } from '../privacy/export-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { STEP_MS, enrolTotp, startChallenge, totpNow } from './mfa-helpers';

type Factor = { id: string; kind: string; name: string | null; createdAt: string; lastUsedAt: string | null };

describe('Several authenticator apps, each named; factors one by one', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const list = async (auth: Record<string, string>): Promise<Factor[]> =>
    (await t.http().get('/api/v1/me/mfa/factors').set(auth).expect(200)).body;

  /** Adds a named authenticator and confirms it; the next step, so its code is spent. */
  const addAuthenticator = async (auth: Record<string, string>, name: string, proof: Record<string, string> = {}) => {
    const setup = await t
      .http()
      .post('/api/v1/me/mfa/authenticators')
      .set(auth)
      .send({ name, ...proof })
      .expect(200);
    expect(setup.body.name).toBe(name);
    const ok = await t
      .http()
      .post('/api/v1/me/mfa/totp/confirm')
      .set(auth)
      .send({ code: totpNow(t, setup.body.secret) })
      .expect(200);
    t.clock.advance(STEP_MS);
    return { secret: setup.body.secret as string, backupCodes: (ok.body.backupCodes ?? []) as string[] };
  };

  it('adds a second authenticator by name, lists both, and signs in with either; a code is good once per authenticator', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const first = await enrolTotp(t, s.auth);
    const second = await addAuthenticator(s.auth, 'Backup phone');

    const factors = await list(s.auth);
    expect(factors.map((f) => [f.kind, f.name])).toEqual([
      ['totp', 'Authenticator app'],
      ['totp', 'Backup phone'],
    ]);
    expect(factors[0]).toEqual({
      id: expect.any(String),
      kind: 'totp',
      name: 'Authenticator app',
      createdAt: expect.any(String),
      lastUsedAt: null,
    });
    const status = (await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200)).body;
    expect(status).toMatchObject({ enabled: true, totp: true, authenticators: 2 });

    // The same name again, in any case: 409 naming the field.
    const clash = await t.http().post('/api/v1/me/mfa/authenticators').set(s.auth).send({ name: 'backup PHONE' });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('MFA_FACTOR_NAME_TAKEN');
    // The old setup route still allows one authenticator only.
    expect((await t.http().post('/api/v1/me/mfa/totp/setup').set(s.auth).send({})).status).toBe(409);

    for (const secret of [second.secret, first.secret]) {
      const c = await startChallenge(t, user.email, user.password);
      const code = totpNow(t, secret);
      await t.http().post('/api/v1/auth/login/mfa').send({ challengeId: c.challengeId, method: 'totp', code }).expect(200);
      // The same code again, on a new challenge: spent on that authenticator.
      const again = await startChallenge(t, user.email, user.password);
      const replay = await t.http().post('/api/v1/auth/login/mfa').send({ challengeId: again.challengeId, method: 'totp', code });
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('INVALID_MFA_CODE');
    }
    // A step spent on one authenticator does not spend it on the other.
    t.clock.advance(STEP_MS);
    const c1 = await startChallenge(t, user.email, user.password);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c1.challengeId, method: 'totp', code: totpNow(t, first.secret) })
      .expect(200);
    const c2 = await startChallenge(t, user.email, user.password);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c2.challengeId, method: 'totp', code: totpNow(t, second.secret) })
      .expect(200);
    const used = await list(s.auth);
    expect(used.every((f) => f.lastUsedAt !== null)).toBe(true);
  });

  it('holds at most 10 authenticator apps: the 11th is refused at setup, and a pending one at confirmation', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const add = async (name: string) => {
      const setup = await t.http().post('/api/v1/me/mfa/authenticators').set(s.auth).send({ name }).expect(200);
      return setup.body.secret as string;
    };
    const confirm = (secret: string) =>
      t
        .http()
        .post('/api/v1/me/mfa/totp/confirm')
        .set(s.auth)
        .send({ code: totpNow(t, secret) });
    // Each has its own secret, so each confirmation's code is fresh within one time step.
    const secrets: string[] = [];
    for (let i = 1; i <= 10; i++) {
      const secret = await add(`App ${i}`);
      expect((await confirm(secret)).status).toBe(200);
      secrets.push(secret);
    }
    expect(await list(s.auth)).toHaveLength(10);

    const refused = await t.http().post('/api/v1/me/mfa/authenticators').set(s.auth).send({ name: 'App 11' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('MFA_TOO_MANY_FACTORS');

    // One removed, so an 11th may start; a factor that appears meanwhile (planted here) is counted at confirmation.
    t.clock.advance(STEP_MS);
    const [gone] = await list(s.auth);
    await t
      .http()
      .delete(`/api/v1/me/mfa/factors/${gone!.id}`)
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, secrets[1]!) })
      .expect(200);
    const pending = await add('App 11');
    await t.dataSource.query(
      `INSERT INTO mfa_factors (user_id, kind, secret_sealed, name, confirmed_at)
         SELECT user_id, kind, secret_sealed, 'Planted', now() FROM mfa_factors
          WHERE user_id = $1 AND confirmed_at IS NOT NULL LIMIT 1`,
      [user.id],
    );
    const late = await confirm(pending);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('MFA_TOO_MANY_FACTORS');
    expect(await list(s.auth)).toHaveLength(10);
  });

  it('renames one (audited), refuses names of the wrong shape, a phone and other users’ factors', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await enrolTotp(t, s.auth);
    await addAuthenticator(s.auth, 'Tablet');
    const [a, b] = await list(s.auth);
    const renamed = await t.http().patch(`/api/v1/me/mfa/factors/${a!.id}`).set(s.auth).send({ name: 'Work phone' }).expect(200);
    expect(renamed.body).toMatchObject({ id: a!.id, kind: 'totp', name: 'Work phone' });
    expect((await t.http().patch(`/api/v1/me/mfa/factors/${b!.id}`).set(s.auth).send({ name: 'work phone' })).status).toBe(409);
    for (const name of ['', '   ', 'x'.repeat(65), 'tab\there']) {
      const bad = await t.http().patch(`/api/v1/me/mfa/factors/${b!.id}`).set(s.auth).send({ name });
      expect({ name, status: bad.status, fields: bad.body.errors?.map((e: { field: string }) => e.field) }).toEqual({
        name,
        status: 400,
        fields: ['name'],
      });
    }
    const other = await createUser(t);
    const os = await signIn(t, other.email);
    expect((await t.http().patch(`/api/v1/me/mfa/factors/${a!.id}`).set(os.auth).send({ name: 'Mine' })).status).toBe(404);
    expect((await t.http().patch(`/api/v1/me/mfa/factors/not-a-uuid`).set(s.auth).send({ name: 'Mine' })).status).toBe(400);

    await t.dataSource.query(
      `INSERT INTO mfa_factors (user_id, kind, phone, confirmed_at, created_at, updated_at) VALUES ($1, 'sms', '+14155550123', now(), now(), now())`,
      [user.id],
    );
    const phone = (await list(s.auth)).find((f) => f.kind === 'sms')!;
    expect(phone.name).toBe('+14•••••••23');
    const refused = await t.http().patch(`/api/v1/me/mfa/factors/${phone.id}`).set(s.auth).send({ name: 'My phone' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('MFA_FACTOR_NOT_NAMED');

    const audit = await t.dataSource.query(`SELECT metadata FROM audit_log WHERE subject_user_id = $1 AND action = 'mfa.totp_renamed'`, [
      user.id,
    ]);
    expect(audit).toEqual([{ metadata: expect.objectContaining({ factorId: a!.id, from: 'Authenticator app', to: 'Work phone' }) }]);
  });

  it('removes one by id with reauth, audited and mailed; the old DELETE /me/mfa/totp answers 409 while there are several', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const first = await enrolTotp(t, s.auth);
    const second = await addAuthenticator(s.auth, 'Old phone');
    const [, old] = await list(s.auth);
    const several = await t
      .http()
      .delete('/api/v1/me/mfa/totp')
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, first.secret) });
    expect(several.status).toBe(409);
    expect(several.body.code).toBe('MFA_SEVERAL_FACTORS');

    t.clock.advance(STEP_MS);
    expect((await t.http().delete(`/api/v1/me/mfa/factors/${old!.id}`).set(s.auth).send({})).status).toBe(403);
    await t
      .http()
      .delete(`/api/v1/me/mfa/factors/${old!.id}`)
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, first.secret) })
      .expect(200);
    expect((await list(s.auth)).map((f) => f.name)).toEqual(['Authenticator app']);
    const removed = await t.mail.waitFor((m) => m.to.includes(user.email) && /method removed/.test(m.subject));
    // With several, the mail says which one went.
    expect(removed.text).toContain('An authenticator app "Old phone" was removed from your account');
    const [entry] = await t.dataSource.query(`SELECT metadata FROM audit_log WHERE subject_user_id = $1 AND action = 'mfa.totp_disabled'`, [
      user.id,
    ]);
    expect(entry.metadata).toMatchObject({ factorId: old!.id, name: 'Old phone' });
    // The removed authenticator no longer signs in.
    t.clock.advance(STEP_MS);
    const c = await startChallenge(t, user.email, user.password);
    const refused = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: c.challengeId, method: 'totp', code: totpNow(t, second.secret) });
    expect(refused.status).toBe(400);
    // With one left, the old route removes it.
    t.clock.advance(STEP_MS);
    await t
      .http()
      .delete('/api/v1/me/mfa/totp')
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, first.secret) })
      .expect(200);
    expect(await list(s.auth)).toEqual([]);
  });

  it('keeps the 2FA summary per kind, with each kind’s strength from mfa_factor_kinds; the members report filters on it', async () => {
    const kinds: Array<{ kind: string; strength: number }> = await t.dataSource.query(
      `SELECT kind, strength FROM mfa_factor_kinds ORDER BY kind`,
    );
    expect(kinds).toEqual(FACTOR_KINDS.map((k) => ({ kind: k.kind, strength: k.strength })).sort((x, y) => x.kind.localeCompare(y.kind)));
    const team = await createAccountWithTeam(t, 'Several Apps');
    await enrolTotp(t, team.member.session.auth);
    await addAuthenticator(team.member.session.auth, 'Second');
    const [summary] = await t.dataSource.query(`SELECT factors, level FROM mfa_user_summaries WHERE user_id = $1`, [team.member.id]);
    expect(summary).toEqual({ factors: { totp: 2 }, level: 2 });
    const report = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members?mfa=totp&sort=mfa`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(report.body.items.map((m: { email: string }) => m.email)).toEqual([team.member.email]);
    expect(report.body.items[0].mfa).toMatchObject({ enabled: true, totp: true, sms: false, passkeys: 0 });

    // A kind added by a migration alone (a row of mfa_factor_kinds) counts with its strength.
    await t.dataSource.query(`INSERT INTO mfa_factor_kinds (kind, strength) VALUES ('hardware_token', 1)`);
    try {
      await t.dataSource.query(
        `INSERT INTO mfa_factors (user_id, kind, name, confirmed_at, created_at, updated_at) VALUES ($1, 'hardware_token', 'Key', now(), now(), now())`,
        [team.member.id],
      );
      const [after] = await t.dataSource.query(`SELECT factors, level FROM mfa_user_summaries WHERE user_id = $1`, [team.member.id]);
      expect(after).toEqual({ factors: { totp: 2, hardware_token: 1 }, level: 3 });
    } finally {
      await t.dataSource.query(`DELETE FROM mfa_factors WHERE kind = 'hardware_token'`);
      await t.dataSource.query(`DELETE FROM mfa_factor_kinds WHERE kind = 'hardware_token'`);
    }
    const [back] = await t.dataSource.query(`SELECT factors, level FROM mfa_user_summaries WHERE user_id = $1`, [team.member.id]);
    expect(back).toEqual({ factors: { totp: 2 }, level: 2 });
    // An unknown kind is refused by the schema.
    await expect(
      t.dataSource.query(
        `INSERT INTO mfa_factors (user_id, kind, confirmed_at, created_at, updated_at) VALUES ($1, 'carrier_pigeon', now(), now(), now())`,
        [team.member.id],
      ),
    ).rejects.toThrow();
  });

  it("exports each authenticator's name and last use (never its secret); erasure deletes them", async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const first = await enrolTotp(t, s.auth);
    await addAuthenticator(s.auth, 'Desk tablet');
    const started = await t.http().post('/api/v1/me/exports').set(s.auth).send({}).expect(202);
    expect((await waitForExport(t, s.auth, started.body.id)).state).toBe('ready');
    const files = await download(t, s.auth, started.body.id);
    const factors = JSON.parse(files['factors.json']!).factors;
    expect(factors.map((f: { kind: string; name: string }) => [f.kind, f.name])).toEqual([
      ['totp', 'Authenticator app'],
      ['totp', 'Desk tablet'],
    ]);
    for (const text of Object.values(files)) {
      expect(text).not.toContain(first.secret);
    }
    await t.dataSource.query(`DELETE FROM users WHERE id = $1`, [user.id]);
    expect(await t.dataSource.query(`SELECT 1 FROM mfa_factors WHERE user_id = $1`, [user.id])).toEqual([]);
  });
});
