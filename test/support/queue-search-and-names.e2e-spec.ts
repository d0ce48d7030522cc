import { createUser } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { TICKETS, createStaff, openTicket, ticketAwaitingApproval, ticketIdFor } from './support-helpers';

describe('Support queue search, and the names of who acted on a ticket', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function confirmedTicket(email: string): Promise<string> {
    const token = await openTicket(t, email);
    await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(204);
    return ticketIdFor(t, email);
  }

  it('finds tickets by requester email (whole or part, any case), by id and by the mailed reference', async () => {
    const staff = await createStaff(t);
    const robin = await createUser(t, { email: `robin-${Date.now()}@search.example` });
    const sam = await createUser(t);
    const robinTicket = await confirmedTicket(robin.email);
    const samTicket = await confirmedTicket(sam.email);
    const ids = async (q: string) =>
      (await t.http().get(TICKETS).query({ q }).set(staff.agent.auth).expect(200)).body.items.map((i: { id: string }) => i.id);

    expect(await ids(robin.email)).toEqual([robinTicket]);
    expect(await ids(robin.email.toUpperCase())).toEqual([robinTicket]);
    expect(await ids('@search.example')).toContain(robinTicket);
    expect(await ids('@search.example')).not.toContain(samTicket);
    expect(await ids(samTicket)).toEqual([samTicket]);
    expect(await ids(`SUP-${samTicket.slice(0, 8).toUpperCase()}`)).toEqual([samTicket]);
    expect(await ids('nobody-has-this@example.com')).toEqual([]);
    expect(await ids('100%_\\')).toEqual([]);
    const both = await t.http().get(TICKETS).query({ q: robin.email, state: 'rejected' }).set(staff.agent.auth).expect(200);
    expect(both.body.items).toEqual([]);
  });

  it('refuses an over-long search with a problem naming q', async () => {
    const staff = await createStaff(t);
    const res = await t
      .http()
      .get(TICKETS)
      .query({ q: 'x'.repeat(300) })
      .set(staff.agent.auth)
      .expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'q' })]);
  });

  it('names the requester, the verifier, the approver, each check agent and each trail actor', async () => {
    const staff = await createStaff(t);
    const user = await createUser(t, { displayName: 'Robin Named' });
    const id = await ticketAwaitingApproval(t, user.email, staff.agent);
    const approved = await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks agree', ...staff.lead.proof() })
      .expect(200);

    const agent = { id: staff.agent.id, displayName: 'Staff support', email: expect.stringContaining('@') };
    const lead = { id: staff.lead.id, displayName: 'Staff support_lead', email: expect.stringContaining('@') };
    expect(approved.body).toMatchObject({
      requester: { id: user.id, displayName: 'Robin Named', email: user.email },
      verifier: agent,
      approver: lead,
    });
    const checks = approved.body.checks as Array<{ kind: string; agent: unknown }>;
    expect(checks.find((c) => c.kind === 'email_control')!.agent).toBeNull();
    expect(checks.filter((c) => c.kind !== 'email_control').map((c) => c.agent)).toEqual([agent, agent]);
    const events = approved.body.events as Array<{ toState: string; actor: unknown; actorKind: string }>;
    expect(events.map((e) => [e.toState, e.actorKind])).toEqual([
      ['awaiting_email_confirmation', 'anonymous'],
      ['open', 'user'],
      ['verifying', 'staff'],
      ['awaiting_approval', 'staff'],
      ['approved', 'staff'],
    ]);
    expect(events.map((e) => e.actor)).toEqual([null, { id: user.id, displayName: 'Robin Named', email: user.email }, agent, agent, lead]);
  });
});
