import { randomBytes } from 'node:crypto';

import { SecretBox } from '@latchkey/core';
import { SeededTotp } from '@latchkey/mfa';
import { Totp } from '../../libs/mfa/src/totp/totp';

import { createUser, SignedIn, UserOverrides } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { startChallenge } from '../mfa/mfa-helpers';
import { TestApp } from '../setup/test-app';

export const TICKETS = '/api/v1/support/tickets';

export type StaffMember = SignedIn & {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  /** Reauth proof for approve / execute: the password and an unused backup code. */
  proof(): { password: string; code: string };
};

export interface Staff {
  agent: StaffMember;
  agent2: StaffMember;
  lead: StaffMember;
  lead2: StaffMember;
}

/**
 * A staff member as the desk requires one: an authenticator (staff routes refuse staff without
 * 2FA), a stock of backup codes for reauth proofs, signed in through the second step.
 */
export async function makeStaff(
  t: TestApp,
  staffRole: 'support' | 'support_lead',
  overrides: Omit<UserOverrides, 'staffRole'> = {},
): Promise<StaffMember> {
  const u = await createUser(t, { staffRole, displayName: `Staff ${staffRole}`, ...overrides });
  const totpSecret = Totp.generateSecret();
  await t.app.get(SeededTotp).ensureConfirmed(u.id, totpSecret);
  const codes = Array.from({ length: 30 }, () => randomBytes(5).toString('hex'));
  for (const code of codes) {
    await t.dataSource.query(`INSERT INTO mfa_backup_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`, [
      u.id,
      t.app.get(SecretBox).mac(`${u.id}:${code}`, 'backup-code'),
      t.clock.now(),
    ]);
  }
  const challenge = await startChallenge(t, u.email, u.password);
  const res = await t
    .http()
    .post('/api/v1/auth/login/mfa')
    // A backup code, so the authenticator's current step stays free for a sign-in through the console.
    .send({ challengeId: challenge.challengeId, method: 'backup_code', code: codes.pop() });
  if (res.status !== 200 || !res.body.session) {
    throw new Error(`Staff sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return {
    token: res.body.session.token,
    csrfToken: res.body.csrfToken,
    sessionId: res.body.session.id,
    auth: { Authorization: `Bearer ${res.body.session.token}` },
    id: u.id,
    email: u.email,
    password: u.password,
    totpSecret,
    proof: () => ({ password: u.password, code: codes.pop()! }),
  };
}

export async function createStaff(t: TestApp): Promise<Staff> {
  const make = (staffRole: 'support' | 'support_lead') => makeStaff(t, staffRole);
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
