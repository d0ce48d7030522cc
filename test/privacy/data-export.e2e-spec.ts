import * as fs from 'node:fs';
import * as path from 'node:path';

import { DataExportParts, DataExportSink, QueueDriver } from '@latchkey/core';

import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { STEP_MS, enrolTotp, startChallenge, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { TICKETS, openTicket } from '../support/support-helpers';
import { ExportStatus, binary, download, runner, waitForExport } from './export-helpers';

const EXPORTS = '/api/v1/me/exports';
const DAY_MS = 24 * 60 * 60_000;
const READY_SUBJECT = 'Your data export is ready';

describe('Data export: every lib’s part, only for its owner, with progress, once a day, surviving a dead worker, deleted after 7 days', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  const readyMails = (email: string) => t.mail.to(email).filter((m) => m.subject === READY_SUBJECT);

  async function startExport(auth: Record<string, string>): Promise<ExportStatus> {
    const res = await t.http().post(EXPORTS).set(auth).send({}).expect(202);
    expect(res.body).toMatchObject({ state: 'queued', progress: 0 });
    return res.body;
  }

  it('holds every area for a user seeded in each lib, and no secret, hash or token anywhere in the zip', async () => {
    const user = await createUser(t, { displayName: 'Ada Export' });
    const first = await signIn(t, user.email);
    await t
      .http()
      .patch('/api/v1/me')
      .set(first.auth)
      .send({ company: 'Analytical Engines', bio: 'Likes numbers', preferences: { theme: 'dark' } })
      .expect(200);
    const { secret, backupCodes } = await enrolTotp(t, first.auth);
    // A sign-in through the second step that trusts the device: a second session and a trusted device.
    const challenge = await startChallenge(t, user.email, TEST_PASSWORD);
    const mfa = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'totp', code: totpNow(t, secret), trustDevice: true })
      .expect(200);
    const auth = { Authorization: `Bearer ${mfa.body.session.token}` };
    const deviceToken: string = mfa.body.deviceToken;
    const account = await t.http().post('/api/v1/accounts').set(auth).send({ name: 'Ada Analytics' }).expect(201);
    await t
      .http()
      .post(`/api/v1/accounts/${account.body.id}/invitations`)
      .set(auth)
      .send({ email: uniqueEmail('invitee'), role: 'member' })
      .expect(201);
    await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(auth)
      .send({ items: [{ event: 'product.update', channel: 'email', enabled: true }] })
      .expect(200);
    await t.http().put('/api/v1/me/privacy').set(auth).send({ marketingEmail: true }).expect(200);
    t.clock.advance(STEP_MS);
    const apiKey = await t
      .http()
      .post('/api/v1/me/api-keys')
      .set(auth)
      .send({ name: 'Ada script', scopes: ['read'], accountId: account.body.id, password: TEST_PASSWORD, code: totpNow(t, secret) })
      .expect(201);
    // A provider identity (connected accounts) and a sign-in flow in progress, as the provider round trip leaves them.
    await t.dataSource.query(
      `INSERT INTO connected_identities (user_id, provider, issuer, subject, email, email_verified, linked_at)
       VALUES ($1, 'github', 'https://github.com', '583231', 'ada@users.example', true, now())`,
      [user.id],
    );
    await t.dataSource.query(
      `INSERT INTO connected_account_flows (state_hash, browser_hash, provider, intent, user_id, nonce, code_verifier, stage, created_at, expires_at)
       VALUES ('flow-state-hash', 'flow-browser-hash', 'github', 'link', $1, 'flow-nonce-value', 'flow-code-verifier-value', 'started', now(), now() + interval '10 minutes')`,
      [user.id],
    );
    const confirmToken = await openTicket(t, user.email, 'other', 'Please tell me what you hold about me.');
    await t.http().post(`${TICKETS}/confirm`).send({ token: confirmToken }).expect(204);
    await t.settle();

    const started = await startExport(auth);
    const done = await waitForExport(t, auth, started.id);
    expect(done).toMatchObject({ state: 'ready', progress: 100, downloadUrl: `${EXPORTS}/${started.id}/download` });
    const files = await download(t, auth, started.id);

    const json = (name: string) => JSON.parse(files[name]!);
    expect(Object.keys(files).sort()).toEqual(
      [
        'api-keys.json',
        'audit-log.json',
        'connected-accounts.json',
        'consent-records.json',
        'factors.json',
        'invitations.json',
        'login-activity.json',
        'memberships.json',
        'notification-deliveries.json',
        'notification-preferences.json',
        'notifications.json',
        'preferences.json',
        'profile.json',
        'sessions.json',
        'support-tickets.json',
        'trusted-devices.json',
      ].sort(),
    );
    expect(json('profile.json')).toMatchObject({
      id: user.id,
      email: user.email,
      displayName: 'Ada Export',
      company: 'Analytical Engines',
    });
    expect(json('preferences.json')).toMatchObject({ theme: 'dark' });
    expect(json('sessions.json')).toHaveLength(2);
    expect(json('login-activity.json').map((a: { outcome: string }) => a.outcome)).toContain('success');
    expect(json('factors.json').factors).toEqual([expect.objectContaining({ kind: 'totp' })]);
    expect(json('factors.json').backupCodes.total).toBe(backupCodes.length);
    expect(json('trusted-devices.json')).toHaveLength(1);
    expect(json('memberships.json')).toEqual([expect.objectContaining({ accountName: 'Ada Analytics', role: 'owner' })]);
    expect(json('invitations.json')).toEqual([expect.objectContaining({ direction: 'sent by you', role: 'member' })]);
    expect(json('notifications.json').map((n: { event: string }) => n.event)).toContain('security.mfa_enabled');
    expect(json('notification-deliveries.json').length).toBeGreaterThan(0);
    expect(json('notification-preferences.json').preferences).toEqual([
      expect.objectContaining({ event: 'product.update', channel: 'email', enabled: true }),
    ]);
    expect(json('support-tickets.json')).toEqual([
      expect.objectContaining({ type: 'other', message: 'Please tell me what you hold about me.', state: 'open' }),
    ]);
    expect(json('consent-records.json')).toEqual([expect.objectContaining({ purpose: 'marketing_email', granted: true, source: 'api' })]);
    expect(json('api-keys.json')).toEqual([
      expect.objectContaining({ id: apiKey.body.key.id, name: 'Ada script', prefix: apiKey.body.key.prefix, roleCap: 'owner' }),
    ]);
    expect(json('connected-accounts.json')).toEqual([
      expect.objectContaining({
        provider: 'github',
        issuer: 'https://github.com',
        subject: '583231',
        email: 'ada@users.example',
        emailVerified: true,
      }),
    ]);
    expect(json('audit-log.json').map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['auth.login_succeeded', 'mfa.totp_enabled', 'privacy.export_requested']),
    );

    // No secret: scan every file for each secret, hash and token the database holds for this user.
    const all = Object.values(files).join('\n');
    const [{ password_hash }] = await t.dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [user.id]);
    const [{ secret_sealed }] = await t.dataSource.query(`SELECT secret_sealed FROM mfa_factors WHERE user_id = $1`, [user.id]);
    const column = async (sql: string) => (await t.dataSource.query(sql, [user.id])).map((r: { v: string }) => r.v).filter(Boolean);
    const secrets: string[] = [
      password_hash,
      TEST_PASSWORD,
      secret,
      secret_sealed,
      deviceToken,
      mfa.body.session.token,
      first.token,
      ...backupCodes,
      ...(await column(`SELECT token_hash AS v FROM sessions WHERE user_id = $1`)),
      ...(await column(`SELECT code_hash AS v FROM mfa_backup_codes WHERE user_id = $1`)),
      ...(await column(`SELECT token_hash AS v FROM mfa_trusted_devices WHERE user_id = $1`)),
      ...(await column(`SELECT token_hash AS v FROM invitations WHERE invited_by_user_id = $1`)),
      ...(await column(`SELECT confirm_token_hash AS v FROM support_tickets WHERE user_id = $1`)),
      ...(await column(`SELECT cancel_token_hash AS v FROM support_tickets WHERE user_id = $1`)),
      ...(await column(`SELECT cancel_token_sealed AS v FROM support_tickets WHERE user_id = $1`)),
      ...(await column(`SELECT token_hash AS v FROM user_tokens WHERE user_id = $1`)),
      confirmToken,
      apiKey.body.secret,
      ...(await column(`SELECT secret_hash AS v FROM api_keys WHERE user_id = $1`)),
      'flow-state-hash',
      'flow-browser-hash',
      'flow-nonce-value',
      'flow-code-verifier-value',
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(20);
    expect(secrets.filter((s) => all.includes(s))).toEqual([]);
    expect(all).not.toMatch(/token_hash|tokenHash|code_hash|secret_sealed|password_hash|passwordHash|secret_hash|secretHash/);

    // Announced once by mail and once in the inbox.
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && m.subject === READY_SUBJECT);
    expect(readyMails(user.email)).toHaveLength(1);
    expect(readyMails(user.email)[0].text).toContain('http://latchkey.test/admin/#/me/privacy');
    const inbox = await t.http().get('/api/v1/me/notifications').set(auth).expect(200);
    expect(inbox.body.items.filter((n: { event: string }) => n.event === 'privacy.data_export_ready')).toHaveLength(1);
  });

  it('another user cannot read, list or download it: 404 as for an export that does not exist', async () => {
    const owner = await createUser(t);
    const other = await createUser(t);
    const ownerSession = await signIn(t, owner.email);
    const otherSession = await signIn(t, other.email);
    const started = await startExport(ownerSession.auth);
    await waitForExport(t, ownerSession.auth, started.id);

    const status = await t.http().get(`${EXPORTS}/${started.id}`).set(otherSession.auth).expect(404);
    const file = await t.http().get(`${EXPORTS}/${started.id}/download`).set(otherSession.auth).expect(404);
    const unknown = await t.http().get(`${EXPORTS}/00000000-0000-4000-8000-000000000000`).set(otherSession.auth).expect(404);
    for (const res of [status, file, unknown]) {
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('EXPORT_NOT_FOUND');
    }
    expect(status.body.detail).toBe(unknown.body.detail);
    expect((await t.http().get(EXPORTS).set(otherSession.auth).expect(200)).body.items).toEqual([]);
    expect((await t.http().get(EXPORTS).set(ownerSession.auth).expect(200)).body.items.map((e: { id: string }) => e.id)).toEqual([
      started.id,
    ]);
    // Without a session, nothing at all.
    await t.http().get(`${EXPORTS}/${started.id}/download`).expect(401);
  });

  it('reports progress that only moves forward, stage by stage, up to 100', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    // Enough rows that the export takes many steps.
    await t.dataSource.query(
      `INSERT INTO login_activity (user_id, occurred_at, outcome, ip)
       SELECT $1, $2::timestamptz - make_interval(secs => g), 'success', '198.51.100.7' FROM generate_series(1, 20000) g`,
      [user.id, t.clock.now()],
    );
    const started = await startExport(s.auth);
    const seen: ExportStatus[] = [started];
    const done = await waitForExport(t, s.auth, started.id, seen);
    expect(done.state).toBe('ready');
    const progress = seen.map((x) => x.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBe(100);
    expect(new Set(progress).size).toBeGreaterThanOrEqual(3);
    expect(seen.filter((x) => x.state === 'running').map((x) => x.stage)).toContain('login-activity');
    const files = await download(t, s.auth, started.id);
    expect(JSON.parse(files['login-activity.json']!)).toHaveLength(20000 + 1);
  });

  it('allows one export per 24 hours (429 with Retry-After), and asks for the password once the sign-in is not recent', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const started = await startExport(s.auth);
    await waitForExport(t, s.auth, started.id);
    for (const route of [EXPORTS, '/api/v1/me/export']) {
      const refused = await t.http().post(route).set(s.auth).send({}).expect(429);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body.code).toBe('EXPORT_LIMITED');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(DAY_MS / 1000 - 120);
      expect(retryAfter).toBeLessThanOrEqual(DAY_MS / 1000);
    }

    t.clock.advance(DAY_MS + 1000);
    const fresh = await signIn(t, user.email);
    // The sign-in of an hour ago is no proof any more: the password is.
    t.clock.advance(60 * 60_000);
    const needsProof = await t.http().post('/api/v1/me/export').set(fresh.auth).send({}).expect(403);
    expect(needsProof.body.code).toBe('REAUTH_REQUIRED');
    const again = await t.http().post('/api/v1/me/export').set(fresh.auth).send({ password: TEST_PASSWORD }).expect(202);
    await waitForExport(t, fresh.auth, again.body.id);
    expect((await t.http().get(EXPORTS).set(fresh.auth).expect(200)).body.items).toHaveLength(2);
  });

  it('a run whose worker died is started again by the sweep; the stale run changes nothing, and one mail and one inbox entry say it is ready', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let blocked = false;
    // A part that stalls the first run mid-export, as a worker that stopped responding would.
    t.app.get(DataExportParts).register({
      area: 'test-stall',
      tables: [],
      count: async () => 1,
      write: async (userId: string, sink: DataExportSink) => {
        if (userId === user.id && !blocked) {
          blocked = true;
          await gate;
        }
        await sink.json('test-stall', { userId });
      },
    });
    const started = await startExport(s.auth);
    const seen: ExportStatus[] = [started];
    for (;;) {
      const res = await t.http().get(`${EXPORTS}/${started.id}`).set(s.auth).expect(200);
      seen.push(res.body);
      if (res.body.stage === 'test-stall') {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen[seen.length - 1]).toMatchObject({ state: 'running' });
    expect(seen[seen.length - 1].progress).toBeGreaterThan(0);

    // Its lease runs out (no heartbeat from a dead worker): the sweep queues a new run, which finishes.
    for (let i = 0; ; i++) {
      await t.dataSource.query(`UPDATE data_exports SET lease_until = $2 WHERE id = $1 AND state = 'running' AND generation = 1`, [
        started.id,
        new Date(t.clock.nowMs() - 1000),
      ]);
      await runner(t).sweepOnce();
      const [{ generation }] = await t.dataSource.query(`SELECT generation FROM data_exports WHERE id = $1`, [started.id]);
      if (generation > 1 || i > 50) {
        expect(generation).toBe(2);
        break;
      }
    }
    const done = await waitForExport(t, s.auth, started.id, seen);
    expect(done.state).toBe('ready');
    const progress = seen.map((x) => x.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // The stalled run wakes up, finds it was taken over, and stops without a second file or mail.
    release();
    await t.app.get(QueueDriver).drain();
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && m.subject === READY_SUBJECT);
    const [row] = await t.dataSource.query(`SELECT state, generation, attempts, storage_key FROM data_exports WHERE id = $1`, [started.id]);
    expect(row).toMatchObject({ state: 'ready', generation: 2, attempts: 2, storage_key: `${started.id}.2.zip.enc` });
    const stored = fs.readdirSync(path.join(t.config.db.dataDir, 'exports')).filter((f) => f.startsWith(started.id));
    expect(stored).toEqual([`${started.id}.2.zip.enc`]);
    expect(readyMails(user.email)).toHaveLength(1);
    const inbox = await t.http().get('/api/v1/me/notifications').set(s.auth).expect(200);
    expect(inbox.body.items.filter((n: { event: string }) => n.event === 'privacy.data_export_ready')).toHaveLength(1);
    const files = await download(t, s.auth, started.id);
    expect(JSON.parse(files['test-stall.json']!)).toEqual({ userId: user.id });
  });

  it('removes the export of a user who was deleted: row and file, at the next sweep', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const started = await startExport(s.auth);
    await waitForExport(t, s.auth, started.id);
    const dir = path.join(t.config.db.dataDir, 'exports');
    expect(fs.readdirSync(dir)).toContain(`${started.id}.1.zip.enc`);
    await t.dataSource.query(`DELETE FROM users WHERE id = $1`, [user.id]);
    await runner(t).sweepOnce();
    expect(await t.dataSource.query(`SELECT id FROM data_exports WHERE id = $1`, [started.id])).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(started.id))).toEqual([]);
  });

  it('deletes the file 7 days after it was made: the export reads expired and the download is gone (410)', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const started = await startExport(s.auth);
    await waitForExport(t, s.auth, started.id);
    const dir = path.join(t.config.db.dataDir, 'exports');
    expect(fs.readdirSync(dir)).toContain(`${started.id}.1.zip.enc`);
    // At rest the file is not a zip (encrypted), while the download is.
    const stored = fs.readFileSync(path.join(dir, `${started.id}.1.zip.enc`));
    expect(stored.subarray(0, 4).toString()).toBe('LKX1');
    expect(stored.includes(Buffer.from(user.email))).toBe(false);
    await t.http().get(`${EXPORTS}/${started.id}/download`).set(s.auth).buffer(true).parse(binary).expect(200);

    t.clock.advance(7 * DAY_MS - 60_000);
    const later = await signIn(t, user.email);
    await runner(t).sweepOnce();
    expect((await t.http().get(`${EXPORTS}/${started.id}`).set(later.auth).expect(200)).body.state).toBe('ready');

    t.clock.advance(2 * 60_000);
    await runner(t).sweepOnce();
    const status = await t.http().get(`${EXPORTS}/${started.id}`).set(later.auth).expect(200);
    expect(status.body).toMatchObject({ state: 'expired', downloadUrl: null });
    expect(fs.readdirSync(dir)).not.toContain(`${started.id}.1.zip.enc`);
    const gone = await t.http().get(`${EXPORTS}/${started.id}/download`).set(later.auth).expect(410);
    expect(gone.body.code).toBe('EXPORT_EXPIRED');
  });
});
