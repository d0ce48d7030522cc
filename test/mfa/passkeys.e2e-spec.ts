import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { download, waitForExport } from '../privacy/export-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { createStaff } from '../support/support-helpers';
import { bearer, enrolTotp, startChallenge } from './mfa-helpers';
import { SoftwareAuthenticator } from './software-authenticator';

const ORIGIN = 'http://latchkey.test';
const RP_ID = 'latchkey.test';

describe('Passkeys: registration, second factor and passwordless sign-in refuse what a phisher or a clone would send', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function options(auth: Record<string, string>) {
    const res = await t.http().post('/api/v1/me/mfa/passkeys/options').set(auth).send({});
    if (res.status !== 200) {
      throw new Error(`options: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as { challengeId: string; options: { challenge: string; rp: { id: string; name: string } } & Record<string, unknown> };
  }

  async function addPasskey(auth: Record<string, string>, key: SoftwareAuthenticator, name = 'Laptop') {
    const o = await options(auth);
    const res = await t
      .http()
      .post('/api/v1/me/mfa/passkeys')
      .set(auth)
      .send({ challengeId: o.challengeId, name, credential: key.register(o.options, { origin: ORIGIN }) });
    if (res.status !== 201) {
      throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  async function passwordlessOptions() {
    const res = await t.http().post('/api/v1/auth/passkey/options').expect(200);
    return res.body as { challengeId: string; options: { challenge: string; rpId: string; userVerification: string } };
  }

  it('registers several named passkeys with attestation none; the first one turns 2FA on with backup codes and an email', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const o = await options(s.auth);
    expect(o.options).toMatchObject({ rp: { id: RP_ID, name: 'Latchkey' }, attestation: 'none' });
    expect(o.options.challenge).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const first = await addPasskey(s.auth, new SoftwareAuthenticator(user.id), 'MacBook Touch ID');
    expect(first).toMatchObject({ status: 'enabled', method: 'passkey', passkey: { name: 'MacBook Touch ID', lastUsedAt: null } });
    expect(first.backupCodes).toHaveLength(10);
    const second = await addPasskey(s.auth, new SoftwareAuthenticator(user.id), 'YubiKey');
    expect(second.backupCodes).toBeUndefined();

    const list = await t.http().get('/api/v1/me/mfa/passkeys').set(s.auth).expect(200);
    expect(list.body.map((k: { name: string }) => k.name)).toEqual(['MacBook Touch ID', 'YubiKey']);
    expect(JSON.stringify(list.body)).not.toMatch(/publicKey|credentialId/);
    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ enabled: true, totp: false, passkeys: 2, methods: ['passkey', 'backup_code'] });

    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /passkey was added/.test(m.subject) && /MacBook Touch ID/.test(m.text));
    const audit = await t.dataSource.query(`SELECT action FROM audit_log WHERE subject_user_id = $1 AND action = 'mfa.passkey_added'`, [
      user.id,
    ]);
    expect(audit).toHaveLength(2);
  });

  it('refuses a registration from another origin, for another RP id, or answering a used challenge', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const key = new SoftwareAuthenticator(user.id);

    const phished = await options(s.auth);
    const wrongOrigin = await t
      .http()
      .post('/api/v1/me/mfa/passkeys')
      .set(s.auth)
      .send({
        challengeId: phished.challengeId,
        name: 'x',
        credential: key.register(phished.options, { origin: 'https://latchkey-login.evil' }),
      });
    expect(wrongOrigin.status).toBe(400);
    expect(wrongOrigin.body).toMatchObject({ code: 'PASSKEY_REFUSED', errors: [{ field: 'credential' }] });

    const o2 = await options(s.auth);
    const wrongRp = await t
      .http()
      .post('/api/v1/me/mfa/passkeys')
      .set(s.auth)
      .send({ challengeId: o2.challengeId, name: 'x', credential: key.register(o2.options, { origin: ORIGIN, rpId: 'evil.test' }) });
    expect(wrongRp.status).toBe(400);
    expect(wrongRp.body.code).toBe('PASSKEY_REFUSED');

    const o3 = await options(s.auth);
    const credential = key.register(o3.options, { origin: ORIGIN });
    await t.http().post('/api/v1/me/mfa/passkeys').set(s.auth).send({ challengeId: o3.challengeId, name: 'ok', credential }).expect(201);
    const replay = await t
      .http()
      .post('/api/v1/me/mfa/passkeys')
      .set(s.auth)
      .send({ challengeId: o3.challengeId, name: 'again', credential });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ code: 'PASSKEY_CHALLENGE_INVALID', errors: [{ field: 'challengeId' }] });

    // A challenge lives five minutes: an answer that comes later is refused like a used one.
    const o4 = await options(s.auth);
    t.clock.advance(5 * 60_000 + 1_000);
    const late = await t
      .http()
      .post('/api/v1/me/mfa/passkeys')
      .set(s.auth)
      .send({ challengeId: o4.challengeId, name: 'late', credential: key.register(o4.options, { origin: ORIGIN }) });
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ code: 'PASSKEY_CHALLENGE_INVALID', errors: [{ field: 'challengeId' }] });

    const bad = await t.http().post('/api/v1/me/mfa/passkeys').set(s.auth).send({ challengeId: 'nope', name: '', credential: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['challengeId', 'credential', 'name']);
    const list = await t.http().get('/api/v1/me/mfa/passkeys').set(s.auth).expect(200);
    expect(list.body).toHaveLength(1);
  });

  it('answers the sign-in challenge with a passkey; a replayed assertion and a passkey of another user are refused', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const key = new SoftwareAuthenticator(user.id);
    await addPasskey(s.auth, key);

    const challenge = await startChallenge(t, user.email, user.password);
    expect(challenge.methods).toEqual(['passkey', 'backup_code']);
    const o = await t.http().post('/api/v1/auth/login/mfa/passkey/options').send({ challengeId: challenge.challengeId }).expect(200);
    expect(o.body.options.allowCredentials).toEqual([expect.objectContaining({ id: key.id, type: 'public-key' })]);
    const credential = key.assert(o.body.options, { origin: ORIGIN, userVerified: false });
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'passkey', passkeyChallengeId: o.body.challengeId, credential })
      .expect(200);
    expect(done.body.status).toBe('authenticated');
    const [row] = await t.dataSource.query(`SELECT sign_count, last_used_at FROM mfa_factors WHERE user_id = $1 AND kind = 'passkey'`, [
      user.id,
    ]);
    expect(Number(row.sign_count)).toBe(1);
    expect(row.last_used_at).not.toBeNull();

    // The same assertion again, on a new sign-in: its challenge is spent.
    const again = await startChallenge(t, user.email, user.password);
    const replay = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: again.challengeId, method: 'passkey', passkeyChallengeId: o.body.challengeId, credential });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('PASSKEY_REFUSED');

    // Another user's passkey cannot answer this user's challenge.
    const other = await createUser(t);
    const otherKey = new SoftwareAuthenticator(other.id);
    await addPasskey((await signIn(t, other.email)).auth, otherKey);
    const o2 = await t.http().post('/api/v1/auth/login/mfa/passkey/options').send({ challengeId: again.challengeId }).expect(200);
    const foreign = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({
        challengeId: again.challengeId,
        method: 'passkey',
        passkeyChallengeId: o2.body.challengeId,
        credential: otherKey.assert(o2.body.options, { origin: ORIGIN }),
      });
    expect(foreign.status).toBe(400);
    const failures = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM login_activity WHERE user_id = $1 AND outcome = 'mfa_failed' AND reason = 'passkey'`,
      [user.id],
    );
    expect(failures[0].n).toBe(2);
  });

  it('refuses a passkey whose signature counter goes backwards (a clone) and emails the user', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const key = new SoftwareAuthenticator(user.id);
    await addPasskey(s.auth, key, 'Security key');

    const first = await passwordlessOptions();
    await t
      .http()
      .post('/api/v1/auth/passkey/login')
      .send({ challengeId: first.challengeId, credential: key.assert(first.options, { origin: ORIGIN, counter: 7 }) })
      .expect(200);
    const cloned = await passwordlessOptions();
    const res = await t
      .http()
      .post('/api/v1/auth/passkey/login')
      .send({ challengeId: cloned.challengeId, credential: key.assert(cloned.options, { origin: ORIGIN, counter: 5 }) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('PASSKEY_SIGN_IN_FAILED');
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /copy of one of your passkeys/.test(m.subject) && /Security key/.test(m.text));
    const audit = await t.dataSource.query(
      `SELECT metadata FROM audit_log WHERE subject_user_id = $1 AND action = 'mfa.passkey_clone_suspected'`,
      [user.id],
    );
    expect(audit[0].metadata).toMatchObject({ storedCounter: 7, presentedCounter: 5 });
  });

  it('signs in without a password only with user verification, from the right origin and RP id, once per challenge', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await enrolTotp(t, s.auth);
    const key = new SoftwareAuthenticator(user.id);
    await addPasskey(s.auth, key);

    const o = await passwordlessOptions();
    expect(o.options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    expect(o.options).not.toHaveProperty('allowCredentials');
    const noUv = await t
      .http()
      .post('/api/v1/auth/passkey/login')
      .send({ challengeId: o.challengeId, credential: key.assert(o.options, { origin: ORIGIN, userVerified: false }) });
    expect(noUv.status).toBe(401);

    for (const wrong of [{ origin: 'https://evil.test' }, { origin: ORIGIN, rpId: 'evil.test' }]) {
      const w = await passwordlessOptions();
      const res = await t
        .http()
        .post('/api/v1/auth/passkey/login')
        .send({ challengeId: w.challengeId, credential: key.assert(w.options, wrong) });
      expect(res.status).toBe(401);
    }

    const ok = await passwordlessOptions();
    const credential = key.assert(ok.options, { origin: ORIGIN });
    const signedIn = await t.http().post('/api/v1/auth/passkey/login').send({ challengeId: ok.challengeId, credential }).expect(200);
    expect(signedIn.body).toMatchObject({ status: 'authenticated', user: { email: user.email } });
    await t.http().get('/api/v1/me').set(bearer(signedIn.body.session.token)).expect(200);
    const replay = await t.http().post('/api/v1/auth/passkey/login').send({ challengeId: ok.challengeId, credential });
    expect(replay.status).toBe(401);

    const activity = await t.http().get('/api/v1/me/login-activity').set(s.auth).expect(200);
    const outcomes = activity.body.items.map((a: { outcome: string; reason: string | null }) => `${a.outcome}:${a.reason}`);
    expect(outcomes).toContain('success:passkey');
    // No verification, wrong origin, wrong RP id; the replay names nobody (its challenge is gone).
    expect(outcomes.filter((o: string) => o === 'failure:passkey_refused')).toHaveLength(3);
  });

  it('holds at most 20 passkeys, even when two registrations for the last place arrive at once', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    for (let i = 1; i <= 19; i++) {
      await addPasskey(s.auth, new SoftwareAuthenticator(user.id), `Key ${i}`);
    }
    // Both ceremonies start while there is one place left; only one may take it.
    const [a, b] = [await options(s.auth), await options(s.auth)];
    const both = await Promise.all(
      [a, b].map((o, i) =>
        t
          .http()
          .post('/api/v1/me/mfa/passkeys')
          .set(s.auth)
          .send({
            challengeId: o.challengeId,
            name: `Race ${i}`,
            credential: new SoftwareAuthenticator(user.id).register(o.options, { origin: ORIGIN }),
          }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.status === 409)!.body.detail).toMatch(/20 passkeys/);
    const more = await t.http().post('/api/v1/me/mfa/passkeys/options').set(s.auth).send({});
    expect(more.status).toBe(409);
    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body.passkeys).toBe(20);
  });

  it('renames, and removes with reauth; the last factor gone takes the backup codes, and the user is emailed', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { passkey, backupCodes } = await addPasskey(s.auth, new SoftwareAuthenticator(user.id), 'Old name');
    const renamed = await t.http().patch(`/api/v1/me/mfa/passkeys/${passkey.id}`).set(s.auth).send({ name: '  Phone  ' }).expect(200);
    expect(renamed.body.name).toBe('Phone');
    const empty = await t.http().patch(`/api/v1/me/mfa/passkeys/${passkey.id}`).set(s.auth).send({ name: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('name');

    // Past the 5 minutes of a fresh sign-in, removal needs the password and a code.
    t.clock.advance(6 * 60_000);
    const noProof = await t.http().delete(`/api/v1/me/mfa/passkeys/${passkey.id}`).set(s.auth).send({});
    expect(noProof.status).toBe(403);
    expect(noProof.body.code).toBe('REAUTH_REQUIRED');
    const other = await createUser(t);
    const strangers = await t
      .http()
      .delete(`/api/v1/me/mfa/passkeys/${passkey.id}`)
      .set((await signIn(t, other.email)).auth)
      .send({});
    expect(strangers.status).toBe(404);

    const removed = await t
      .http()
      .delete(`/api/v1/me/mfa/passkeys/${passkey.id}`)
      .set(s.auth)
      .send({ password: user.password, code: backupCodes[0] })
      .expect(200);
    expect(removed.body.status).toBe('removed');
    const status = await t.http().get('/api/v1/me/mfa').set(s.auth).expect(200);
    expect(status.body).toMatchObject({ enabled: false, passkeys: 0, backupCodesRemaining: 0 });
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /passkey was removed/.test(m.subject) && /Phone/.test(m.text));
    const audit = await t.dataSource.query(
      `SELECT action FROM audit_log WHERE subject_user_id = $1 AND action LIKE 'mfa.passkey_%' ORDER BY occurred_at, id`,
      [user.id],
    );
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['mfa.passkey_added', 'mfa.passkey_renamed', 'mfa.passkey_removed']);
  });

  it('counts as 2FA everywhere: require-2FA accounts, the members report and CSV, the support lookup; an MFA reset removes passkeys', async () => {
    const team = await createAccountWithTeam(t);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(400);
    const ownerKey = new SoftwareAuthenticator(team.owner.id);
    await addPasskey(team.owner.session.auth, ownerKey);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(200);

    // A member without 2FA is restricted to enrolment; a passkey alone lifts it.
    const restricted = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: team.member.email, password: team.member.password })
      .expect(200);
    expect(restricted.body.status).toBe('mfa_setup_required');
    const memberAuth = bearer(restricted.body.session.token);
    await t.http().get(`/api/v1/accounts/${team.accountId}`).set(memberAuth).expect(403);
    const memberKey = new SoftwareAuthenticator(team.member.id);
    const added = await addPasskey(memberAuth, memberKey, 'Phone');
    expect(added.backupCodes).toHaveLength(10);
    await t.http().get(`/api/v1/accounts/${team.accountId}`).set(memberAuth).expect(200);
    const o = await passwordlessOptions();
    const passwordless = await t
      .http()
      .post('/api/v1/auth/passkey/login')
      .send({ challengeId: o.challengeId, credential: memberKey.assert(o.options, { origin: ORIGIN }) })
      .expect(200);
    expect(passwordless.body.status).toBe('authenticated');

    const report = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members?mfa=passkey&sort=mfa`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(report.body.items.map((m: { email: string }) => m.email).sort()).toEqual([team.member.email, team.owner.email].sort());
    expect(report.body.items.find((m: { email: string }) => m.email === team.member.email).mfa).toEqual({
      enabled: true,
      totp: false,
      sms: false,
      passkeys: 1,
      backupCodesRemaining: 10,
    });
    const totpOnly = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members?mfa=totp&sort=mfa`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(totpOnly.body.items).toEqual([]);
    const none = await t.http().get(`/api/v1/accounts/${team.accountId}/members?mfa=none`).set(team.owner.session.auth).expect(200);
    expect(none.body.items.map((m: { email: string }) => m.email)).not.toContain(team.member.email);
    const csv = await t.http().get(`/api/v1/accounts/${team.accountId}/members.csv`).set(team.owner.session.auth).expect(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('userId,email,displayName,role,joinedAt,lastSignInAt,mfaEnabled,totp,sms,passkeys,backupCodesRemaining');
    expect(lines.find((l) => l.includes(team.member.email))).toMatch(/,true,false,false,1,10$/);

    const staff = await createStaff(t);
    const lookup = await t.http().get(`/api/v1/admin/users/${team.member.id}`).set(staff.agent.auth).expect(200);
    expect(lookup.body.mfa).toMatchObject({ enabled: true, passkeys: 1, methods: ['passkey', 'backup_code'] });

    // The reset (support's and the user's own run the same wipe) removes every passkey.
    await addPasskey(memberAuth, new SoftwareAuthenticator(team.member.id), 'Second');
    await t
      .http()
      .post('/api/v1/me/mfa/reset')
      .set(memberAuth)
      .send({ password: team.member.password, code: added.backupCodes[0] })
      .expect(200);
    const after = await t.http().get('/api/v1/me/mfa/passkeys').set(memberAuth).expect(200);
    expect(after.body).toEqual([]);
    const old = await passwordlessOptions();
    await t
      .http()
      .post('/api/v1/auth/passkey/login')
      .send({ challengeId: old.challengeId, credential: memberKey.assert(old.options, { origin: ORIGIN }) })
      .expect(401);
  });

  it("exports each passkey's name, transports and dates but never its key, and a deleted user's passkeys go with them", async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const key = new SoftwareAuthenticator(user.id);
    await addPasskey(s.auth, key, 'Travel key');
    const started = await t.http().post('/api/v1/me/exports').set(s.auth).send({}).expect(202);
    expect((await waitForExport(t, s.auth, started.body.id)).state).toBe('ready');
    const files = await download(t, s.auth, started.body.id);
    const factors = JSON.parse(files['factors.json']!).factors;
    expect(factors).toEqual([
      expect.objectContaining({
        kind: 'passkey',
        name: 'Travel key',
        transports: ['internal', 'hybrid'],
        backedUp: false,
        lastUsedAt: null,
      }),
    ]);
    const [row] = await t.dataSource.query(`SELECT encode(public_key, 'base64') AS pk FROM mfa_factors WHERE user_id = $1`, [user.id]);
    for (const text of Object.values(files)) {
      expect(text).not.toContain(key.id);
      expect(text).not.toContain(row.pk);
    }

    await t.dataSource.query(`DELETE FROM users WHERE id = $1`, [user.id]);
    expect(await t.dataSource.query(`SELECT 1 FROM mfa_factors WHERE credential_id = $1`, [key.id])).toEqual([]);
  });
});
