import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD } from '../factories/users.factory';
import { bearer, enrolTotp, startChallenge, totpNow, STEP_MS } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { createStaff, Staff, ticketAwaitingApproval, TICKETS } from '../support/support-helpers';

const HOUR = 3_600_000;

interface Row {
  userId: string;
  mfa: { enabled: boolean; totp: boolean; sms: boolean; backupCodesRemaining: number };
}

/**
 * The members report filters and sorts on a stored per-user 2FA summary: after every kind of
 * factor change (enrol, remove, backup code spent, self reset, support reset, deletion) its
 * filters, its 2FA sort and its counts give the same answer the factors themselves give.
 */
describe('Members report: 2FA filter and sort stay in step with factor changes', () => {
  let t: TestApp;
  let team: AccountWithTeam;
  let staff: Staff;

  beforeAll(async () => {
    t = await createTestApp({ env: { MFA_RESET_COOLDOWN_HOURS: '1' } });
    staff = await createStaff(t);
    team = await createAccountWithTeam(t, '2FA summary team');
  });

  afterAll(async () => {
    await t.close();
  });

  const url = () => `/api/v1/accounts/${team.accountId}/members`;

  async function ids(query: string): Promise<string[]> {
    const res = await t.http().get(`${url()}?limit=100&${query}`).set(team.owner.session.auth).expect(200);
    return (res.body.items as Row[]).map((r) => r.userId);
  }

  async function row(userId: string): Promise<Row> {
    const res = await t.http().get(`${url()}?limit=100`).set(team.owner.session.auth).expect(200);
    return (res.body.items as Row[]).find((r) => r.userId === userId)!;
  }

  async function noneTotal(): Promise<number> {
    const res = await t
      .http()
      .get(`${url()}?range=${encodeURIComponent('[0,0]')}&filter=${encodeURIComponent('{"mfa":"none"}')}`)
      .set(team.owner.session.auth)
      .expect(200);
    return Number(/\/(\d+)$/.exec(res.headers['content-range'])![1]);
  }

  /** Every filter and both sort directions agree with what each member's own status says. */
  async function expectReportMatches(expected: Record<string, 'none' | 'totp'>) {
    const everyone = Object.keys(expected);
    const withTotp = everyone.filter((id) => expected[id] === 'totp');
    const without = everyone.filter((id) => expected[id] === 'none');
    expect((await ids('mfa=none')).sort()).toEqual(without.sort());
    expect((await ids('mfa=enabled')).sort()).toEqual(withTotp.sort());
    expect((await ids('mfa=totp')).sort()).toEqual(withTotp.sort());
    expect(await ids('mfa=sms')).toEqual([]);
    expect(await noneTotal()).toBe(without.length);
    // Ascending: members without 2FA first, each group in user id order; descending the reverse.
    const asc = [...without.sort(), ...withTotp.sort()];
    expect(await ids('sort=mfa')).toEqual(asc);
    expect(await ids('sort=mfa&order=desc')).toEqual([...asc].reverse());
    // Paging by cursor through the 2FA sort visits everyone once, in the same order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Row[]; nextCursor: string | null } } = await t
        .http()
        .get(`${url()}?limit=2&sort=mfa${cursor ? `&cursor=${cursor}` : ''}`)
        .set(team.owner.session.auth)
        .expect(200);
      seen.push(...(page.body.items as Row[]).map((r) => r.userId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(asc);
    // A cursor of one sort handed to another is refused by name, not cast by PostgreSQL into a 500.
    const byEmail = await t.http().get(`${url()}?limit=1&sort=email`).set(team.owner.session.auth).expect(200);
    const crossed = await t
      .http()
      .get(`${url()}?limit=1&sort=mfa&cursor=${byEmail.body.nextCursor}`)
      .set(team.owner.session.auth)
      .expect(400);
    expect(crossed.body.errors).toEqual([{ field: 'cursor', message: 'is not a cursor this API issued' }]);
  }

  it('follows enrolment, removal, a spent backup code, a self reset, a support reset and a deletion', async () => {
    const { owner, admin, member, viewer } = team;
    const status = () =>
      ({ [owner.id]: 'none', [admin.id]: 'none', [member.id]: 'none', [viewer.id]: 'none' }) as Record<string, 'none' | 'totp'>;
    const now = status();
    await expectReportMatches(now);

    // Enrol: the member and the viewer set up an authenticator.
    const memberTotp = await enrolTotp(t, member.session.auth);
    const viewerTotp = await enrolTotp(t, viewer.session.auth);
    now[member.id] = 'totp';
    now[viewer.id] = 'totp';
    await expectReportMatches(now);
    expect((await row(member.id)).mfa).toEqual({
      enabled: true,
      totp: true,
      sms: false,
      passkeys: 0,
      backupCodesRemaining: memberTotp.backupCodes.length,
    });

    // A backup code spent at sign-in lowers the count the report shows.
    const challenge = await startChallenge(t, member.email, member.password);
    await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'backup_code', code: memberTotp.backupCodes[0] })
      .expect(200);
    expect((await row(member.id)).mfa.backupCodesRemaining).toBe(memberTotp.backupCodes.length - 1);

    // Remove: the viewer takes the authenticator off again.
    await t
      .http()
      .delete('/api/v1/me/mfa/totp')
      .set(viewer.session.auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, viewerTotp.secret) })
      .expect(200);
    now[viewer.id] = 'none';
    await expectReportMatches(now);
    expect((await row(viewer.id)).mfa).toEqual({ enabled: false, totp: false, sms: false, passkeys: 0, backupCodesRemaining: 0 });

    // Self reset: the member turns every factor off.
    t.clock.advance(STEP_MS);
    await t
      .http()
      .post('/api/v1/me/mfa/reset')
      .set(member.session.auth)
      .send({ password: TEST_PASSWORD, code: totpNow(t, memberTotp.secret) })
      .expect(200);
    now[member.id] = 'none';
    await expectReportMatches(now);

    // Support reset: the admin lost the device; the desk resets it after the cool-down.
    const adminTotp = await enrolTotp(t, admin.session.auth);
    now[admin.id] = 'totp';
    await expectReportMatches(now);
    const reset = await ticketAwaitingApproval(t, admin.email, staff.agent);
    await t
      .http()
      .post(`${TICKETS}/${reset}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks consistent', ...staff.lead.proof() })
      .expect(200);
    t.clock.advance(HOUR + 1000);
    await t.http().post(`${TICKETS}/${reset}/execute`).set(staff.agent2.auth).send(staff.agent2.proof()).expect(200);
    now[admin.id] = 'none';
    await expectReportMatches(now);
    expect(adminTotp.secret).toBeTruthy();

    // Deletion: the member enrols again, then the desk deletes the user: gone from every answer.
    const again = await t.http().post('/api/v1/auth/login').send({ email: member.email, password: member.password }).expect(200);
    const memberAuth = bearer(again.body.session.token);
    await enrolTotp(t, memberAuth);
    now[member.id] = 'totp';
    await expectReportMatches(now);
    const deletion = await ticketAwaitingApproval(t, member.email, staff.agent, 'account_deletion');
    await t
      .http()
      .post(`${TICKETS}/${deletion}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Identity confirmed', ...staff.lead.proof() })
      .expect(200);
    t.clock.advance(HOUR + 1000);
    await t.http().post(`${TICKETS}/${deletion}/execute`).set(staff.agent2.auth).send(staff.agent2.proof()).expect(200);
    delete now[member.id];
    await expectReportMatches(now);
  });

  it('keeps the 2FA sort to admins and refuses an unknown sort naming the field', async () => {
    const asViewer = await t.http().get(`${url()}?sort=mfa`).set(team.viewer.session.auth);
    expect(asViewer.status).toBe(403);
    const bad = await t.http().get(`${url()}?sort=strength`).set(team.owner.session.auth).expect(400);
    expect(JSON.stringify(bad.body.errors)).toContain('sort');
  });
});
