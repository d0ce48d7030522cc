import { createUser, signIn, SignedIn } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { TestApp } from '../setup/test-app';

export const TICKETS = '/api/v1/support/tickets';

export interface Staff {
  agent: SignedIn & { id: string };
  agent2: SignedIn & { id: string };
  lead: SignedIn & { id: string };
  lead2: SignedIn & { id: string };
}

export async function createStaff(t: TestApp): Promise<Staff> {
  const make = async (staffRole: 'support' | 'support_lead') => {
    const u = await createUser(t, { staffRole, displayName: `Staff ${staffRole}` });
    return Object.assign(await signIn(t, u.email), { id: u.id });
  };
  return {
    agent: await make('support'),
    agent2: await make('support'),
    lead: await make('support_lead'),
    lead2: await make('support_lead'),
  };
}

/** Opens a ticket as the requester would and returns the confirm token from the email. */
export async function openTicket(
  t: TestApp,
  email: string,
  type = 'mfa_reset',
  message = 'I lost my phone and my backup codes.',
): Promise<string> {
  await t.http().post(TICKETS).send({ type, email, message }).expect(202);
  await t.settle();
  const mail = await t.mail.waitFor((m) => m.to.includes(email) && /Confirm your support request/.test(m.subject));
  return tokenFrom(mail);
}

export async function ticketIdFor(t: TestApp, email: string): Promise<string> {
  const rows: Array<{ id: string }> = await t.dataSource.query(
    `SELECT id FROM support_tickets WHERE email = $1 ORDER BY created_at DESC LIMIT 1`,
    [email],
  );
  return rows[0].id;
}

/** A confirmed ticket with enough checks recorded by `agent`, waiting for a lead. */
export async function ticketAwaitingApproval(t: TestApp, email: string, agent: SignedIn, type = 'mfa_reset'): Promise<string> {
  const token = await openTicket(t, email, type);
  await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(204);
  const id = await ticketIdFor(t, email);
  const res = await t
    .http()
    .post(`${TICKETS}/${id}/verification`)
    .set(agent.auth)
    .send({
      checks: [
        { kind: 'sign_in_history', note: 'Described the last three sign-ins correctly' },
        { kind: 'government_id', note: 'Passport seen on a video call; name matches' },
      ],
    })
    .expect(200);
  if (res.body.state !== 'awaiting_approval') {
    throw new Error(`Expected awaiting_approval, got ${res.body.state}`);
  }
  return id;
}
