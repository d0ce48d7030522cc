import { randomUUID } from 'node:crypto';

import { createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { enrolTotp, startChallenge } from '../mfa/mfa-helpers';
import { createTestApp, TestApp } from '../setup/test-app';
import { createStaff, openTicket, Staff, ticketAwaitingApproval, ticketIdFor, TICKETS } from './support-helpers';

const HOUR = 3600_000;
/** Reachable without staff rights: the requester's own links. */
const PUBLIC_ROUTES = new Set([
  'POST /api/v1/support/tickets',
  'POST /api/v1/support/tickets/confirm',
  'POST /api/v1/support/tickets/cancel',
  'POST /api/v1/support/tickets/cancel/preview',
]);

describe('Support desk security: four eyes, cool-down, cancel, confirmation, staff-only routes, no user enumeration', () => {
  let t: TestApp;
  let staff: Staff;

  beforeAll(async () => {
    t = await createTestApp({ env: { MFA_RESET_COOLDOWN_HOURS: '1' } });
    staff = await createStaff(t);
  });

  beforeEach(() => {
    // A new throttle window per test: every request comes from 127.0.0.1.
    t.clock.advance(HOUR);
  });

  afterAll(async () => {
    await t.close();
  });

  it('the lead who recorded the checks cannot approve or reject the ticket; another lead can', async () => {
    const user = await createUser(t);
    const id = await ticketAwaitingApproval(t, user.email, staff.lead);
    for (const action of ['approve', 'reject']) {
      const proof = action === 'approve' ? staff.lead.proof() : {};
      const res = await t
        .http()
        .post(`${TICKETS}/${id}/${action}`)
        .set(staff.lead.auth)
        .send({ reason: 'Looks fine to me', ...proof })
        .expect(403);
      expect(res.body.code).toBe('FOUR_EYES_REQUIRED');
    }
    const agent = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.agent.auth)
      .send({ reason: 'I am only an agent', ...staff.agent.proof() })
      .expect(403);
    expect(agent.body.code).toBe('LEAD_REQUIRED');
    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead2.auth)
      .send({ reason: 'Checks consistent', ...staff.lead2.proof() })
      .expect(200);
  });

  it('a lead who added a check later is a verifier too', async () => {
    const user = await createUser(t);
    const id = await ticketAwaitingApproval(t, user.email, staff.agent);
    await t
      .http()
      .post(`${TICKETS}/${id}/verification`)
      .set(staff.lead.auth)
      .send({ checks: [{ kind: 'account_knowledge', note: 'Knew the name of the team account' }] })
      .expect(200);
    const res = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Approving', ...staff.lead.proof() })
      .expect(403);
    expect(res.body.code).toBe('FOUR_EYES_REQUIRED');
  });

  it('approval needs the required number of checks', async () => {
    const user = await createUser(t);
    const token = await openTicket(t, user.email);
    await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(204);
    const id = await ticketIdFor(t, user.email);
    const one = await t
      .http()
      .post(`${TICKETS}/${id}/verification`)
      .set(staff.agent.auth)
      .send({ checks: [{ kind: 'government_id', note: 'Driving licence seen' }] })
      .expect(200);
    expect(one.body).toMatchObject({ state: 'verifying', checksMissing: 1 });
    const res = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Approving', ...staff.lead.proof() })
      .expect(409);
    expect(res.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', detail: expect.stringContaining('from verifying to approved') });
    const bad = await t
      .http()
      .post(`${TICKETS}/${id}/verification`)
      .set(staff.agent.auth)
      .send({ checks: [{ kind: 'email_control', note: 'I say so' }] })
      .expect(400);
    expect(JSON.stringify(bad.body.errors)).toContain('kind');
  });

  it('nothing executes before the cool-down ends, and the factors stay', async () => {
    const user = await createUser(t);
    const session = await signIn(t, user.email);
    await enrolTotp(t, session.auth);
    const id = await ticketAwaitingApproval(t, user.email, staff.agent);
    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks consistent', ...staff.lead.proof() })
      .expect(200);
    t.clock.advance(HOUR - 60_000);
    const res = await t.http().post(`${TICKETS}/${id}/execute`).set(staff.agent.auth).send(staff.agent.proof()).expect(409);
    expect(res.body.code).toBe('COOLDOWN_NOT_OVER');
    await startChallenge(t, user.email, user.password);
    await t.http().get('/api/v1/me/sessions').set(session.auth).expect(200);
  });

  it('a reset cancelled by the emailed link never executes and cannot be revived', async () => {
    const user = await createUser(t);
    const session = await signIn(t, user.email);
    await enrolTotp(t, session.auth);
    const id = await ticketAwaitingApproval(t, user.email, staff.agent);
    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks consistent', ...staff.lead.proof() })
      .expect(200);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /will be reset on/.test(m.subject));
    const cancelToken = tokenFrom(mail);
    const preview = await t.http().post(`${TICKETS}/cancel/preview`).send({ token: cancelToken }).expect(200);
    const [{ reference }] = await t.dataSource.query('SELECT reference FROM support_tickets WHERE id = $1', [id]);
    expect(preview.body).toEqual({ reference, type: 'mfa_reset', state: 'approved', executeAfter: expect.any(String) });
    expect(mail.text).toContain(`ticket ${reference}`);
    const cancelled = await t.http().post(`${TICKETS}/cancel`).send({ token: cancelToken }).expect(200);
    expect(cancelled.body).toMatchObject({ reference, state: 'cancelled' });

    t.clock.advance(2 * HOUR);
    const exec = await t.http().post(`${TICKETS}/${id}/execute`).set(staff.agent.auth).send(staff.agent.proof()).expect(409);
    expect(exec.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', detail: expect.stringContaining('from cancelled to executed') });
    const revive = [
      t
        .http()
        .post(`${TICKETS}/${id}/approve`)
        .set(staff.lead2.auth)
        .send({ reason: 'Try again', ...staff.lead2.proof() }),
      t.http().post(`${TICKETS}/${id}/reject`).set(staff.lead2.auth).send({ reason: 'Try again' }),
      t
        .http()
        .post(`${TICKETS}/${id}/verification`)
        .set(staff.agent.auth)
        .send({ checks: [{ kind: 'account_knowledge', note: 'again' }] }),
      t.http().post(`${TICKETS}/cancel`).send({ token: cancelToken }),
    ];
    for (const res of await Promise.all(revive)) {
      expect([res.status, res.body.code]).toEqual([409, 'ILLEGAL_TRANSITION']);
    }
    const detail = await t.http().get(`${TICKETS}/${id}`).set(staff.agent.auth).expect(200);
    expect(detail.body.state).toBe('cancelled');
    await startChallenge(t, user.email, user.password);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /was cancelled/.test(m.subject));
  });

  it('an unconfirmed ticket never reaches the queue, and expires after 24 hours', async () => {
    const user = await createUser(t);
    const token = await openTicket(t, user.email);
    const id = await ticketIdFor(t, user.email);
    const queue = await t.http().get(TICKETS).query({ limit: 100 }).set(staff.agent.auth).expect(200);
    expect(queue.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    await t.http().get(`${TICKETS}/${id}`).set(staff.agent.auth).expect(404);
    await t
      .http()
      .post(`${TICKETS}/${id}/verification`)
      .set(staff.agent.auth)
      .send({ checks: [{ kind: 'government_id', note: 'Passport' }] })
      .expect(404);
    const filter = await t.http().get(TICKETS).query({ state: 'awaiting_email_confirmation' }).set(staff.agent.auth).expect(400);
    expect(JSON.stringify(filter.body.errors)).toContain('state');

    t.clock.advance(25 * HOUR);
    const late = await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(410);
    expect(late.body.code).toBe('LINK_EXPIRED');
    await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(400);
    await t.http().get(`${TICKETS}/${id}`).set(staff.agent.auth).expect(404);
    const after = await t.http().get(TICKETS).query({ limit: 100 }).set(staff.agent.auth).expect(200);
    expect(after.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
  });

  it('opening a ticket answers the same whether or not the email has a user', async () => {
    const user = await createUser(t);
    const nobody = uniqueEmail('nobody');
    const strip = (b: Record<string, unknown>) => JSON.stringify(b);
    const known = await t.http().post(TICKETS).send({ type: 'mfa_reset', email: user.email, message: 'Lost my phone' });
    const unknown = await t.http().post(TICKETS).send({ type: 'mfa_reset', email: nobody, message: 'Lost my phone' });
    expect([unknown.status, strip(unknown.body)]).toEqual([known.status, strip(known.body)]);
    expect(known.status).toBe(202);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /Confirm your support request/.test(m.subject));
    expect(t.mail.messages.some((m) => m.to.includes(nobody))).toBe(false);

    // The per-email throttle answers the same too.
    for (const email of [user.email, nobody]) {
      for (let i = 0; i < 2; i++) {
        await t.http().post(TICKETS).send({ type: 'other', email, message: 'Hello' }).expect(202);
      }
    }
    const a = await t.http().post(TICKETS).send({ type: 'other', email: user.email, message: 'Hello' }).expect(429);
    const b = await t.http().post(TICKETS).send({ type: 'other', email: nobody, message: 'Hello' }).expect(429);
    expect(a.body.code).toBe('TOO_MANY_TICKETS');
    expect(b.body.code).toBe('TOO_MANY_TICKETS');
    const invalid = await t.http().post(TICKETS).send({ type: 'steal', email: 'x', message: '' }).expect(400);
    expect(JSON.stringify(invalid.body.errors)).toMatch(/type[\s\S]*email[\s\S]*message|email/);
  });

  it('throttles opening tickets per IP', async () => {
    for (let i = 0; i < 10; i++) {
      await t
        .http()
        .post(TICKETS)
        .send({ type: 'other', email: uniqueEmail('flood'), message: 'Hello' })
        .expect(202);
    }
    const res = await t
      .http()
      .post(TICKETS)
      .send({ type: 'other', email: uniqueEmail('flood'), message: 'Hello' })
      .expect(429);
    expect(res.body.code).toBe('TOO_MANY_TICKETS');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a cancel token stops only its own ticket; a wrong token changes nothing and names the field', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const id = await ticketAwaitingApproval(t, user.email, staff.agent);
    const otherId = await ticketAwaitingApproval(t, other.email, staff.agent);
    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks consistent', ...staff.lead.proof() })
      .expect(200);
    await t
      .http()
      .post(`${TICKETS}/${otherId}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks consistent', ...staff.lead.proof() })
      .expect(200);
    await t.settle();
    const token = tokenFrom(await t.mail.waitFor((m) => m.to.includes(user.email) && /will be reset on/.test(m.subject)));
    for (const path of ['cancel', 'cancel/preview']) {
      const res = await t.http().post(`${TICKETS}/${path}`).send({ token: 'not-a-real-token-at-all' }).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'INVALID_TOKEN', errors: [{ field: 'token', message: 'is not valid' }] });
      const missing = await t.http().post(`${TICKETS}/${path}`).send({}).expect(400);
      expect(missing.body.errors[0].field).toBe('token');
    }
    await t.http().post(`${TICKETS}/cancel`).send({ token }).expect(200);
    const detail = await t.http().get(`${TICKETS}/${id}`).set(staff.agent.auth).expect(200);
    expect(detail.body.state).toBe('cancelled');
    const untouched = await t.http().get(`${TICKETS}/${otherId}`).set(staff.agent.auth).expect(200);
    expect(untouched.body.state).toBe('approved');
  });

  it('tickets carry full, unique references in the queue, the detail and the mails', async () => {
    const user = await createUser(t);
    const id = await ticketAwaitingApproval(t, user.email, staff.agent);
    const detail = await t.http().get(`${TICKETS}/${id}`).set(staff.agent.auth).expect(200);
    expect(detail.body.reference).toMatch(/^SUP-\d{6,}$/);
    const queue = await t.http().get(TICKETS).set(staff.agent.auth).query({ limit: 100 }).expect(200);
    const refs = queue.body.items.map((i: { reference: string }) => i.reference);
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).toContain(detail.body.reference);
    const confirmMail = t.mail.messages.find((m) => m.to.includes(user.email) && /Confirm your support request/.test(m.subject))!;
    expect(confirmMail.subject).toContain(detail.body.reference);
  });

  it('a non-staff user gets 404 on every support and admin route but the requester links', async () => {
    const user = await createUser(t);
    const session = await signIn(t, user.email);
    const doc = await t.http().get('/api/docs-json').expect(200);
    const checked: string[] = [];
    for (const [template, operations] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      if (!/^\/api\/v1\/(support|admin)\//.test(template)) {
        continue;
      }
      const url = template.replace(/\{[^}]+\}/g, () => randomUUID());
      for (const method of Object.keys(operations).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
        const key = `${method.toUpperCase()} ${template}`;
        if (PUBLIC_ROUTES.has(key)) {
          continue;
        }
        const res = await t.http()[method as 'get'](url).set(session.auth).send({});
        checked.push(key);
        expect([key, res.status]).toEqual([key, 404]);
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'GET /api/v1/support/tickets',
        'GET /api/v1/support/tickets/{id}',
        'POST /api/v1/support/tickets/{id}/verification',
        'POST /api/v1/support/tickets/{id}/approve',
        'POST /api/v1/support/tickets/{id}/reject',
        'POST /api/v1/support/tickets/{id}/execute',
        'GET /api/v1/admin/users',
        'GET /api/v1/admin/users/{id}',
        'POST /api/v1/admin/users/{id}/sessions/revoke',
      ]),
    );
  });

  it('staff look users up without seeing secrets, and can end their sessions', async () => {
    const user = await createUser(t, { displayName: 'Quinn Lookup' });
    const session = await signIn(t, user.email);
    await enrolTotp(t, session.auth);
    const found = await t.http().get('/api/v1/admin/users').query({ q: 'quinn look' }).set(staff.agent.auth).expect(200);
    expect(found.body.items.map((u: { id: string }) => u.id)).toContain(user.id);
    const byEmail = await t.http().get('/api/v1/admin/users').query({ q: user.email.toUpperCase() }).set(staff.agent.auth).expect(200);
    expect(byEmail.body.items).toHaveLength(1);
    const detail = await t.http().get(`/api/v1/admin/users/${user.id}`).set(staff.agent.auth).expect(200);
    expect(detail.body).toMatchObject({ id: user.id, mfa: { enabled: true, totp: true }, memberships: [] });
    expect(detail.body.sessions.length).toBeGreaterThanOrEqual(1);
    expect(detail.body.recentLogins.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(detail.body)).not.toMatch(/hash|secret|sealed|"token"/i);
    const revoked = await t.http().post(`/api/v1/admin/users/${user.id}/sessions/revoke`).set(staff.agent.auth).expect(200);
    expect(revoked.body.revoked).toBeGreaterThanOrEqual(1);
    await t.http().get('/api/v1/me/sessions').set(session.auth).expect(401);
    await t.http().get(`/api/v1/admin/users/${randomUUID()}`).set(staff.agent.auth).expect(404);
  });

  it('an executed account_deletion ticket deletes the user and erases their personal data like a self-service deletion', async () => {
    const user = await createUser(t);
    const id = await ticketAwaitingApproval(t, user.email, staff.agent, 'account_deletion');
    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Identity confirmed', ...staff.lead.proof() })
      .expect(200);
    t.clock.advance(HOUR + 1000);
    const res = await t.http().post(`${TICKETS}/${id}/execute`).set(staff.agent2.auth).send(staff.agent2.proof()).expect(200);
    expect(res.body.state).toBe('executed');
    await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
    const [ticket] = await t.dataSource.query(`SELECT email, message FROM support_tickets WHERE id = $1`, [id]);
    expect(ticket.email).toMatch(/^deleted-user-[0-9a-f]{16}$/);
    const [{ named }] = await t.dataSource.query(
      `SELECT count(*)::int AS named FROM audit_log WHERE actor_user_id = $1 OR subject_user_id = $1 OR metadata::text ILIKE $2`,
      [user.id, `%${user.email}%`],
    );
    expect(named).toBe(0);
    const [{ kept }] = await t.dataSource.query(`SELECT count(*)::int AS kept FROM audit_log WHERE subject_pseudonym = $1`, [ticket.email]);
    expect(kept).toBeGreaterThan(0);
  });
});
