import { UsersRepository } from '../../libs/users/src/users.repository';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { enrolTotp, startChallenge, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

describe('Account policies: members CSV, IP allow-list, required 2FA', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('members.csv has every member, quotes correctly and neutralises formula cells', async () => {
    const team = await createAccountWithTeam(t);
    await t.app.get(UsersRepository).update(team.member.id, { displayName: '=HYPERLINK("http://evil","x")' });
    await t.app.get(UsersRepository).update(team.viewer.id, { displayName: '@SUM(1+1), "quoted"\nnext' });
    await t.app.get(UsersRepository).update(team.admin.id, { displayName: '+1-2' });
    const res = await t.http().get(`/api/v1/accounts/${team.accountId}/members.csv`).set(team.admin.session.auth).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('members.csv');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([
      'userId',
      'email',
      'displayName',
      'role',
      'joinedAt',
      'lastSignInAt',
      'mfaEnabled',
      'totp',
      'sms',
      'passkeys',
      'backupCodesRemaining',
    ]);
    expect(rows).toHaveLength(5);
    const byId = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
    expect(byId[team.member.id]![2]).toBe(`'=HYPERLINK("http://evil","x")`);
    expect(byId[team.viewer.id]![2]).toBe(`'@SUM(1+1), "quoted"\nnext`);
    expect(byId[team.admin.id]![2]).toBe(`'+1-2`);
    expect(byId[team.owner.id]!.slice(3)).toEqual(['owner', expect.any(String), expect.any(String), 'false', 'false', 'false', '0', '0']);
    await t.http().get(`/api/v1/accounts/${team.accountId}/members.csv`).set(team.member.session.auth).expect(403);
  });

  it('refuses a malformed CIDR naming it, and a list that would shut the caller out', async () => {
    const team = await createAccountWithTeam(t);
    const url = `/api/v1/accounts/${team.accountId}`;
    const bad = await t
      .http()
      .patch(url)
      .set(team.admin.session.auth)
      .send({ ipAllowlist: ['127.0.0.1/32', '10.0.0.0/33', 'garbage'] })
      .expect(400);
    expect(bad.body.code).toBe('INVALID_CIDR');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['ipAllowlist[1]', 'ipAllowlist[2]']);
    expect(bad.body.errors[1].message).toContain('garbage');
    const locked = await t
      .http()
      .patch(url)
      .set(team.admin.session.auth)
      .send({ ipAllowlist: ['10.0.0.0/8'] })
      .expect(400);
    expect(locked.body).toMatchObject({ code: 'ALLOWLIST_EXCLUDES_CALLER', errors: [{ field: 'ipAllowlist' }] });
    const notList = await t.http().patch(url).set(team.admin.session.auth).send({ ipAllowlist: '10.0.0.0/8' }).expect(400);
    expect(notList.body.errors[0].field).toBe('ipAllowlist');
  });

  it('an allow-list with the caller works; other addresses then get 403 IP_NOT_ALLOWED', async () => {
    const team = await createAccountWithTeam(t);
    const url = `/api/v1/accounts/${team.accountId}`;
    const saved = await t
      .http()
      .patch(url)
      .set(team.admin.session.auth)
      .send({ ipAllowlist: ['127.0.0.1/32', '2001:db8::/32'] })
      .expect(200);
    expect(saved.body.ipAllowlist).toEqual(['127.0.0.1/32', '2001:db8::/32']);
    await t.http().get(`${url}/members`).set(team.viewer.session.auth).expect(200);
    // Move the account's list off loopback behind the API's back: every request from 127.0.0.1 is now outside it.
    await t.dataSource.query(`UPDATE accounts SET ip_allowlist = '{203.0.113.0/24}' WHERE id = $1`, [team.accountId]);
    const blocked = await t.http().get(`${url}/members`).set(team.owner.session.auth).expect(403);
    expect(blocked.body.code).toBe('IP_NOT_ALLOWED');
    // Non-members still cannot tell the account exists.
    await t.http().get(url).set(team.outsider.session.auth).expect(404);
    const log = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE account_id = $1 AND action = 'account.ip_allowlist_changed'`,
      [team.accountId],
    );
    expect(log[0].n).toBe(1);
  });

  it('require2fa: counts the non-compliant, restricts their sessions now and their next sign-ins', async () => {
    const team = await createAccountWithTeam(t, 'Strict Co');
    const { secret } = await enrolTotp(t, team.member.session.auth);
    const url = `/api/v1/accounts/${team.accountId}`;
    const selfFirst = await t.http().patch(url).set(team.owner.session.auth).send({ require2fa: true }).expect(400);
    expect(selfFirst.body).toMatchObject({ code: 'OWN_MFA_REQUIRED', errors: [{ field: 'require2fa' }] });
    await enrolTotp(t, team.owner.session.auth);
    const on = await t.http().patch(url).set(team.owner.session.auth).send({ require2fa: true }).expect(200);
    expect(on.body).toMatchObject({ require2fa: true, nonCompliantMembers: 2 });
    const report = await t.http().get(`${url}/members`).query({ mfa: 'none' }).set(team.owner.session.auth).expect(200);
    expect(report.body.items.map((m: { userId: string }) => m.userId).sort()).toEqual([team.admin.id, team.viewer.id].sort());

    const viewerNext = await t.http().get('/api/v1/me/accounts').set(team.viewer.session.auth).expect(403);
    expect(viewerNext.body.code).toBe('MFA_SETUP_REQUIRED');
    await t.http().get('/api/v1/me/mfa').set(team.viewer.session.auth).expect(200);
    await t.http().get('/api/v1/me/accounts').set(team.member.session.auth).expect(200);

    const again = await t.http().post('/api/v1/auth/login').send({ email: team.admin.email, password: team.admin.password }).expect(200);
    expect(again.body.status).toBe('mfa_setup_required');
    const mfa = await t
      .http()
      .get('/api/v1/me/mfa')
      .set({ Authorization: `Bearer ${again.body.session.token}` })
      .expect(200);
    expect(mfa.body.requiredBy).toEqual(['Strict Co']);

    const challenge = await startChallenge(t, team.member.email, team.member.password);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'totp', code: totpNow(t, secret) })
      .expect(200);
    expect(done.body.status).toBe('authenticated');

    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.viewer.email) && /Strict Co now requires/.test(m.subject));
    expect(mail.text).toContain('two-factor');
    expect(t.mail.messages.some((m) => m.to.includes(team.member.email) && /now requires/.test(m.subject))).toBe(false);
  });

  it('a member who signed in before the policy and was missed is restricted by the guard on the next account request', async () => {
    const team = await createAccountWithTeam(t);
    await t.dataSource.query(`UPDATE accounts SET require_2fa = true WHERE id = $1`, [team.accountId]);
    const first = await t.http().get(`/api/v1/accounts/${team.accountId}/members`).set(team.viewer.session.auth).expect(403);
    expect(first.body.code).toBe('MFA_SETUP_REQUIRED');
    const next = await t.http().get('/api/v1/me/accounts').set(team.viewer.session.auth).expect(403);
    expect(next.body.code).toBe('MFA_SETUP_REQUIRED');
  });
});
