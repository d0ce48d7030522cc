import { createUser, signIn } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { bearer, enrolTotp, startChallenge, totpNow } from '../mfa/mfa-helpers';
import { createTestApp, TestApp } from '../setup/test-app';
import { createStaff, ticketIdFor, TICKETS } from './support-helpers';

const HOUR = 3600_000;

describe('Support desk: the lost-device story', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { MFA_RESET_COOLDOWN_HOURS: '1' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('takes a user who lost their phone from a ticket to a new authenticator, with four eyes and a cool-down', async () => {
    const staff = await createStaff(t);
    const user = await createUser(t, { displayName: 'Robin Lost' });
    const before = await signIn(t, user.email);
    await enrolTotp(t, before.auth);
    await startChallenge(t, user.email, user.password);

    // The phone is gone: a ticket from the sign-in page.
    await t
      .http()
      .post(TICKETS)
      .send({ type: 'mfa_reset', email: user.email, message: 'My phone was stolen, and the backup codes were on it.' })
      .expect(202);
    const id = await ticketIdFor(t, user.email);
    await t.http().get(`${TICKETS}/${id}`).set(staff.agent.auth).expect(404);

    await t.settle();
    const confirmMail = await t.mail.waitFor((m) => m.to.includes(user.email) && /Confirm your support request/.test(m.subject));
    await t
      .http()
      .post(`${TICKETS}/confirm`)
      .send({ token: tokenFrom(confirmMail) })
      .expect(204);

    const queue = await t.http().get(TICKETS).query({ state: 'open' }).set(staff.agent.auth).expect(200);
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(id);

    // An agent records the checks; email control came from the link.
    const verified = await t
      .http()
      .post(`${TICKETS}/${id}/verification`)
      .set(staff.agent.auth)
      .send({
        checks: [
          { kind: 'sign_in_history', note: 'Described the last three sign-ins (Lisbon, Firefox) correctly' },
          { kind: 'phone_callback', note: 'Called back the landline on file; the user answered' },
        ],
      })
      .expect(200);
    expect(verified.body.state).toBe('awaiting_approval');
    expect(verified.body.checks.map((c: { kind: string }) => c.kind).sort()).toEqual([
      'email_control',
      'phone_callback',
      'sign_in_history',
    ]);
    expect(JSON.stringify(verified.body)).not.toMatch(/hash|secret|sealed|token/i);

    // A lead who recorded nothing approves; the user hears about it with a cancel link.
    const approved = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks consistent', ...staff.lead.proof() })
      .expect(200);
    expect(approved.body).toMatchObject({ state: 'approved', approverId: staff.lead.id, verifierId: staff.agent.id });
    await t.settle();
    const approvedMail = await t.mail.waitFor((m) => m.to.includes(user.email) && /will be reset on/.test(m.subject));
    expect(approvedMail.text).toMatch(/support\/cancel\?token=/);

    const early = await t.http().post(`${TICKETS}/${id}/execute`).set(staff.agent.auth).send(staff.agent.proof()).expect(409);
    expect(early.body.code).toBe('COOLDOWN_NOT_OVER');

    t.clock.advance(HOUR + 1000);
    const executed = await t.http().post(`${TICKETS}/${id}/execute`).set(staff.agent.auth).send(staff.agent.proof()).expect(200);
    expect(executed.body.state).toBe('executed');
    expect(executed.body.events.map((e: { toState: string }) => e.toState)).toEqual([
      'awaiting_email_confirmation',
      'open',
      'verifying',
      'awaiting_approval',
      'approved',
      'executed',
    ]);
    expect(executed.body.events.every((e: { ip: string | null }) => e.ip)).toBe(true);

    // The old session is gone; the next sign-in must set up MFA.
    await t.http().get('/api/v1/me/sessions').set(before.auth).expect(401);
    const login = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    expect(login.body.status).toBe('mfa_setup_required');
    const restricted = bearer(login.body.session.token);
    await t.http().get('/api/v1/me/sessions').set(restricted).expect(403);

    const { secret } = await enrolTotp(t, restricted);
    await t.http().get('/api/v1/me/sessions').set(restricted).expect(200);
    const challenge = await startChallenge(t, user.email, user.password);
    const done = await t
      .http()
      .post('/api/v1/auth/login/mfa')
      .send({ challengeId: challenge.challengeId, method: 'totp', code: totpNow(t, secret) });
    expect([done.status, done.body.status]).toEqual([200, 'authenticated']);

    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /reset by support/.test(m.subject));
    const audit: Array<{ action: string; actor_kind: string; ip: string | null }> = await t.dataSource.query(
      `SELECT action, actor_kind, ip FROM audit_log WHERE metadata->>'ticketId' = $1 ORDER BY occurred_at`,
      [id],
    );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'support.ticket_opened',
        'support.ticket_transition',
        'support.check_recorded',
        'support.mfa_reset_executed',
      ]),
    );
    expect(audit.filter((a) => a.actor_kind === 'staff').length).toBeGreaterThanOrEqual(4);
  });
});
