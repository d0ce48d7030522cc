import { randomBytes } from 'node:crypto';

import { AccountRole, DeletionSweep } from '@latchkey/accounts';
import { PersonalDataErasure } from '@latchkey/core';

import { addMember, createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';

const DAY = 24 * 3600_000;

interface Column {
  table: string;
  column: string;
  type: string;
}

/** Every text, json, jsonb, bytea and array column of every table of the app's schema. */
async function textColumns(t: TestApp): Promise<Column[]> {
  const rows: Array<{ table_name: string; column_name: string; data_type: string }> = await t.dataSource.query(
    `SELECT c.table_name, c.column_name, c.data_type
       FROM information_schema.columns c JOIN information_schema.tables tb
         ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema()
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'uuid')`,
  );
  return rows.map((r) => ({ table: r.table_name, column: r.column_name, type: r.data_type }));
}

/** Where any of the values occurs (case-insensitive), as `table.column`; empty when nowhere. */
async function findAnywhere(t: TestApp, values: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const col of await textColumns(t)) {
    const ident = `"${col.table}"."${col.column}"`;
    const haystack = col.type === 'bytea' ? `encode(${ident}, 'escape')` : `${ident}::text`;
    const rows: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM "${col.table}" WHERE ${haystack} ILIKE ANY($1::text[])`,
      [values.map((s) => `%${s}%`)],
    );
    if (rows[0].n > 0) {
      found.push(`${col.table}.${col.column}`);
    }
  }
  return found;
}

function randomIp(): string {
  return `198.51.100.${1 + (randomBytes(1)[0] % 250)}`;
}

describe('Self-service deletion: a grace period that can be cancelled, then an erasure that leaves no personal data', () => {
  let t: TestApp;
  let deletion: DeletionSweep;

  beforeAll(async () => {
    t = await createTestApp({
      env: { TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1', LOGIN_MAX_FAILURES: '3', WEBHOOKS_ALLOW_PRIVATE: 'true' },
    });
    deletion = t.app.get(DeletionSweep);
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    t.clock.reset();
  });

  it('schedules the deletion 14 days out, ends every session and mails a cancel link', async () => {
    const user = await createUser(t);
    const s1 = await signIn(t, user.email);
    const s2 = await signIn(t, user.email);
    const before = t.clock.nowMs();
    const res = await t.http().delete('/api/v1/me').set(s1.auth).send({ password: user.password }).expect(202);
    const at = new Date(res.body.deletionScheduledFor).getTime();
    expect(at - before).toBeGreaterThanOrEqual(14 * DAY - 1000);
    expect(at - before).toBeLessThan(14 * DAY + 60_000);
    await t.http().get('/api/v1/me').set(s1.auth).expect(401);
    await t.http().get('/api/v1/me').set(s2.auth).expect(401);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /will be deleted on/.test(m.subject));
    expect(mail.text).toContain(`http://latchkey.test/admin/#/cancel-deletion?token=`);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.deletion_scheduled' AND subject_user_id = $1`,
      [user.id],
    );
    expect(n).toBe(1);
  });

  it('signing in during the grace period works and shows the date; cancelling keeps everything, even past the old date', async () => {
    const team = await createAccountWithTeam(t, 'Keepers');
    const user = await createUser(t);
    await addMember(t, team.accountId, user.id, AccountRole.Member);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    await t.http().patch('/api/v1/me').set(s.auth).send({ displayName: 'Still Here', phone: '+14155550123' }).expect(200);
    await t
      .http()
      .delete('/api/v1/me')
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, secret) })
      .expect(202);

    const signInWithCode = async () => {
      const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
      expect(login.body.status).toBe('mfa_required');
      t.clock.advance(30_000);
      return t
        .http()
        .post('/api/v1/auth/login/mfa')
        .send({ challengeId: login.body.challengeId, method: 'totp', code: totpNow(t, secret) })
        .expect(200);
    };
    t.clock.advance(3 * DAY);
    const done = await signInWithCode();
    expect(done.body.user.deletionScheduledFor).toEqual(expect.any(String));
    const auth = { Authorization: `Bearer ${done.body.session.token}` };
    const me = await t.http().get('/api/v1/me').set(auth).expect(200);
    expect(me.body.deletionScheduledFor).toBe(done.body.user.deletionScheduledFor);

    await t.http().post('/api/v1/me/deletion/cancel').set(auth).expect(204);
    expect((await t.http().get('/api/v1/me').set(auth).expect(200)).body.deletionScheduledFor).toBeNull();
    expect((await t.http().post('/api/v1/me/deletion/cancel').set(auth).expect(409)).body.code).toBe('DELETION_NOT_SCHEDULED');
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /deletion of your account was cancelled/.test(m.subject));

    t.clock.advance(20 * DAY);
    await deletion.eraseDue();
    const again = { Authorization: `Bearer ${(await signInWithCode()).body.session.token}` };
    const after = await t.http().get('/api/v1/me').set(again).expect(200);
    expect(after.body).toMatchObject({ email: user.email, displayName: 'Still Here', phone: '+14155550123' });
    expect((await t.http().get('/api/v1/me/mfa').set(again).expect(200)).body.totp).toBe(true);
    const accounts = await t.http().get('/api/v1/me/accounts').set(again).expect(200);
    expect(accounts.body.items.map((a: { accountId?: string; id?: string }) => a.accountId ?? a.id)).toContain(team.accountId);
  });

  it('the mailed link cancels without signing in, once', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    await t.http().delete('/api/v1/me').set(s.auth).send({ password: user.password }).expect(202);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /will be deleted on/.test(m.subject));
    const token = tokenFrom(mail);
    await t.http().post('/api/v1/deletion/cancel').send({ token }).expect(204);
    expect((await t.http().post('/api/v1/deletion/cancel').send({ token }).expect(410)).body.code).toBe('DELETION_LINK_INVALID');
    const [{ scheduled }] = await t.dataSource.query(`SELECT deletion_scheduled_for AS scheduled FROM users WHERE id = $1`, [user.id]);
    expect(scheduled).toBeNull();
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM user_tokens WHERE token_hash LIKE $1`, [`%${token}%`]);
    expect(n).toBe(0);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /deletion of your account was cancelled/.test(m.subject));
    t.clock.advance(15 * DAY);
    await deletion.eraseDue();
    await signIn(t, user.email);
  });

  it('a made-up or malformed link is refused without a 500', async () => {
    expect(
      (
        await t
          .http()
          .post('/api/v1/deletion/cancel')
          .send({ token: 'x'.repeat(43) })
          .expect(410)
      ).body.code,
    ).toBe('DELETION_LINK_INVALID');
    await t.http().post('/api/v1/deletion/cancel').send({ token: 'short' }).expect(400);
    await t.http().post('/api/v1/deletion/cancel').send({}).expect(400);
  });

  it('after the grace period no personal data remains in any table, and audit rows stay with a pseudonym', async () => {
    const ip = randomIp();
    const from = { 'X-Forwarded-For': ip };
    const name = `Erin ${randomBytes(4).toString('hex')}`;
    const company = `Firm ${randomBytes(4).toString('hex')}`;
    const phone = `+1415555${String(1000 + (randomBytes(2).readUInt16BE() % 9000))}`;
    const user = await createUser(t, { displayName: name });
    const login = await t.http().post('/api/v1/auth/login').set(from).send({ email: user.email, password: TEST_PASSWORD }).expect(200);
    const auth = { Authorization: `Bearer ${login.body.session.token}`, ...from };
    await t
      .http()
      .patch('/api/v1/me')
      .set(auth)
      .send({ phone, company, bio: `About ${name}` })
      .expect(200);
    await t.http().put('/api/v1/me/privacy').set(auth).send({ marketingEmail: true, analyticsOptOut: true }).expect(200);
    const { secret } = await enrolTotp(t, auth);
    const solo = await t.http().post('/api/v1/accounts').set(auth).send({ name: 'Solo' }).expect(201);
    // Someone else's records that name them: a team they are in, an invitation to their address, the mails about it.
    const team = await createAccountWithTeam(t, 'Others');
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.owner.session.auth)
      .send({ email: user.email, role: 'member' })
      .expect(201);
    await addMember(t, team.accountId, user.id, AccountRole.Member);
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${user.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'viewer' })
      .expect(200);
    // As a co-owner they add a security webhook the account keeps after they are gone.
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${user.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'owner' })
      .expect(200);
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/webhooks`)
      .set(auth)
      .send({ url: 'http://127.0.0.1:9/hooks', events: ['webhook.test'], description: `Added by ${name}` })
      .expect(201);
    const wrong = await t.http().post('/api/v1/auth/login').set(from).send({ email: user.email, password: 'not-the-password-1' });
    expect(wrong.status).toBe(401);
    t.clock.advance(30_000);
    await t
      .http()
      .delete('/api/v1/me')
      .set(auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, secret) })
      .expect(202);
    await t.settle();

    const personal = [user.email, name, phone, company, ip, user.id];
    expect((await findAnywhere(t, personal)).length).toBeGreaterThan(0);
    const [{ before }] = await t.dataSource.query(
      `SELECT count(*)::int AS before FROM audit_log WHERE actor_user_id = $1 OR subject_user_id = $1`,
      [user.id],
    );

    t.clock.advance(13 * DAY);
    await deletion.eraseDue();
    expect((await findAnywhere(t, [user.email])).length).toBeGreaterThan(0);
    t.clock.advance(1 * DAY + 60_000);
    expect(await deletion.eraseDue()).toBeGreaterThanOrEqual(1);

    expect(await findAnywhere(t, personal)).toEqual([]);
    const pseudonym = t.app.get(PersonalDataErasure).pseudonym(user.id);
    expect(pseudonym).toMatch(/^deleted-user-[0-9a-f]{16}$/);
    const [{ kept }] = await t.dataSource.query(
      `SELECT count(*)::int AS kept FROM audit_log WHERE actor_pseudonym = $1 OR subject_pseudonym = $1`,
      [pseudonym],
    );
    // Every entry about them is still there, plus the deletion itself.
    expect(kept).toBeGreaterThanOrEqual(before + 1);
    const actions: Array<{ action: string }> = await t.dataSource.query(
      `SELECT DISTINCT action FROM audit_log WHERE actor_pseudonym = $1 OR subject_pseudonym = $1`,
      [pseudonym],
    );
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['auth.login_succeeded', 'user.deletion_scheduled', 'user.deleted', 'member.role_changed']),
    );
    // The team's log still reads, naming nobody.
    const log = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log?action=member.role_changed`)
      .set((await signIn(t, team.owner.email)).auth)
      .expect(200);
    expect(log.body.items[0]).toMatchObject({ subject: null, subjectUserId: null, subjectPseudonym: pseudonym });
    const [{ accounts }] = await t.dataSource.query(`SELECT count(*)::int AS accounts FROM accounts WHERE id = $1`, [solo.body.id]);
    expect(accounts).toBe(0);
    expect((await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD })).status).toBe(401);
    // The audit log is still append-only for everyone else.
    await expect(t.dataSource.query(`UPDATE audit_log SET action = 'x' WHERE actor_pseudonym = $1`, [pseudonym])).rejects.toThrow(
      /append-only/,
    );
  });

  it('the sole-owner rule: refused when asked, and postponed (with a mail) when it becomes true during the grace period', async () => {
    const team = await createAccountWithTeam(t, 'Sole Co');
    const refused = await t.http().delete('/api/v1/me').set(team.owner.session.auth).send({ password: team.owner.password }).expect(409);
    expect(refused.body).toMatchObject({ code: 'SOLE_OWNER', accounts: [{ accountId: team.accountId, name: 'Sole Co' }] });
    await t.http().get('/api/v1/me').set(team.owner.session.auth).expect(200);

    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const acc = await t.http().post('/api/v1/accounts').set(s.auth).send({ name: 'Grew Up' }).expect(201);
    await t.http().delete('/api/v1/me').set(s.auth).send({ password: user.password }).expect(202);
    const other = await createUser(t);
    await addMember(t, acc.body.id, other.id, AccountRole.Member);
    t.clock.advance(15 * DAY);
    await deletion.eraseDue();
    const [row] = await t.dataSource.query(`SELECT deletion_scheduled_for AS at FROM users WHERE id = $1`, [user.id]);
    expect(new Date(row.at).getTime()).toBeGreaterThan(t.clock.nowMs() + 13 * DAY);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /postponed/.test(m.subject));
    expect(mail.text).toContain('Grew Up');
  });

  it('wrong passwords and codes are refused and throttled like sign-ins; nothing is scheduled', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    const wrongCode = totpNow(t, secret) === '000000' ? '111111' : '000000';
    const badCode = await t.http().delete('/api/v1/me').set(s.auth).send({ password: user.password, code: wrongCode });
    expect(badCode.status).toBe(400);
    for (let i = 0; i < 3; i++) {
      const res = await t.http().delete('/api/v1/me').set(s.auth).send({ password: 'wrong-password-123' });
      expect(res.status).toBe(400);
    }
    const locked = await t
      .http()
      .delete('/api/v1/me')
      .set(s.auth)
      .send({ password: user.password, code: totpNow(t, secret) });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('ACCOUNT_LOCKED');
    const [{ at }] = await t.dataSource.query(`SELECT deletion_scheduled_for AS at FROM users WHERE id = $1`, [user.id]);
    expect(at).toBeNull();
  });

  it('the cancel link is throttled per IP', async () => {
    const from = { 'X-Forwarded-For': randomIp() };
    let last = 0;
    for (let i = 0; i < 31; i++) {
      last = (
        await t
          .http()
          .post('/api/v1/deletion/cancel')
          .set(from)
          .send({ token: randomBytes(32).toString('base64url') })
      ).status;
    }
    expect(last).toBe(429);
    expect(uniqueEmail()).toContain('@');
  });
});
