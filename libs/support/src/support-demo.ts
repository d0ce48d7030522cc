import { UsersService } from '@latchkey/users';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { TicketState } from './ticket-state';

/**
 * The support desk's part of the demo (`npm start` seeds it; see libs/platform's demo seed): the
 * tickets are written as they would be after each step, without running the steps (no mail, no
 * reset), since they are there to be looked at.
 */
const CHECKS_DONE = ['email_control', 'sign_in_history', 'government_id'];

/** Where each demo ticket is in its life: the states it went through and the checks on it. */
const DEMO_TICKETS: Array<{ state: TicketState; path: TicketState[]; checks: string[]; email: string; type: string; message: string }> = [
  {
    state: 'awaiting_email_confirmation',
    path: [],
    checks: [],
    email: 'viewer@demo.latchkey.dev',
    type: 'other',
    message: 'How do I export my sign-in history?',
  },
  {
    state: 'open',
    path: ['open'],
    checks: ['email_control'],
    email: 'viewer@demo.latchkey.dev',
    type: 'mfa_reset',
    message: 'New phone, the authenticator did not move over.',
  },
  {
    state: 'verifying',
    path: ['open', 'verifying'],
    checks: ['email_control', 'sign_in_history'],
    email: 'admin@demo.latchkey.dev',
    type: 'mfa_reset',
    message: 'Phone stolen on the train.',
  },
  {
    state: 'awaiting_approval',
    path: ['open', 'verifying', 'awaiting_approval'],
    checks: CHECKS_DONE,
    email: 'member@demo.latchkey.dev',
    type: 'mfa_reset',
    message: 'Lost my phone and my backup codes.',
  },
  {
    state: 'approved',
    path: ['open', 'verifying', 'awaiting_approval', 'approved'],
    checks: CHECKS_DONE,
    email: 'owner@demo.latchkey.dev',
    type: 'mfa_reset',
    message: 'Dropped my phone in the sea.',
  },
  {
    state: 'executed',
    path: ['open', 'verifying', 'awaiting_approval', 'approved', 'executed'],
    checks: CHECKS_DONE,
    email: 'member@demo.latchkey.dev',
    type: 'mfa_reset',
    message: 'Authenticator app wiped by an update.',
  },
  {
    state: 'rejected',
    path: ['open', 'verifying', 'awaiting_approval', 'rejected'],
    checks: CHECKS_DONE,
    email: 'admin@demo.latchkey.dev',
    type: 'account_deletion',
    message: 'Please delete my account.',
  },
  {
    state: 'cancelled',
    path: ['open', 'verifying', 'awaiting_approval', 'approved', 'cancelled'],
    checks: CHECKS_DONE,
    email: 'member@demo.latchkey.dev',
    type: 'mfa_reset',
    message: 'Cannot find my phone.',
  },
  { state: 'expired', path: ['expired'], checks: [], email: 'owner@demo.latchkey.dev', type: 'mfa_reset', message: 'Help, locked out.' },
];

/**
 * One support ticket in each state for the console, each with its trail. Idempotent: a ticket is
 * recognised by its "[demo:<state>]" message prefix. The executed one is history only (no reset ran) and
 * belongs to the member, who has a factor, so no demo sign-in is restricted by it.
 */
export async function seedDemoTickets(app: INestApplicationContext): Promise<void> {
  const users = app.get(UsersService);
  const agent = await users.findByEmail('support@demo.latchkey.dev');
  const lead = await users.findByEmail('lead@demo.latchkey.dev');
  if (!agent || !lead) {
    return;
  }
  await app.get(DataSource).transaction(async (m) => {
    for (const [i, demo] of DEMO_TICKETS.entries()) {
      const marker = `[demo:${demo.state}]`;
      const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM support_tickets WHERE starts_with(message, $1) LIMIT 1`, [
        marker,
      ]);
      if (existing) {
        continue;
      }
      const user = await users.findByEmail(demo.email, m);
      const created = new Date(Date.now() - (demo.state === 'expired' ? 48 : 2 + i) * 3600_000);
      const approved = demo.path.includes('approved') ? new Date(created.getTime() + 3600_000) : null;
      const [{ id }]: Array<{ id: string }> = await m.query(
        `INSERT INTO support_tickets (type, email, user_id, message, state, verifier_id, approver_id, approved_at, execute_after, executed_at, reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
        [
          demo.type,
          demo.email,
          user?.id ?? null,
          `${marker} ${demo.message}`,
          demo.state,
          demo.checks.length > 1 ? agent.id : null,
          approved || demo.state === 'rejected' ? lead.id : null,
          approved,
          approved ? new Date(approved.getTime() + 72 * 3600_000) : null,
          demo.state === 'executed' ? new Date() : null,
          demo.state === 'rejected' ? 'Caller could not describe recent sign-ins' : approved ? 'Checks consistent' : null,
          created,
        ],
      );
      let from: TicketState = 'awaiting_email_confirmation';
      await m.query(
        `INSERT INTO support_ticket_events (ticket_id, from_state, to_state, actor_kind, reason, at) VALUES ($1, NULL, $2, 'anonymous', NULL, $3)`,
        [id, from, created],
      );
      for (const to of demo.path) {
        const byStaff = !['open', 'expired', 'cancelled'].includes(to);
        const actor = to === 'approved' || to === 'rejected' ? lead.id : byStaff ? agent.id : to === 'expired' ? null : (user?.id ?? null);
        await m.query(
          `INSERT INTO support_ticket_events (ticket_id, from_state, to_state, actor_id, actor_kind, reason, ip, at) VALUES ($1, $2, $3, $4, $5, $6, '127.0.0.1', $7)`,
          [id, from, to, actor, byStaff ? 'staff' : actor ? 'user' : 'system', `demo: ${to}`, created],
        );
        from = to;
      }
      for (const kind of demo.checks) {
        await m.query(`INSERT INTO support_ticket_checks (ticket_id, kind, note, agent_id, created_at) VALUES ($1, $2, $3, $4, $5)`, [
          id,
          kind,
          kind === 'email_control' ? 'Followed the link sent to the address on file' : `Demo check: ${kind.replace('_', ' ')}`,
          kind === 'email_control' ? null : agent.id,
          created,
        ]);
      }
    }
    // The unconfirmed demo ticket stays fresh, so the queue sweep does not expire it between demo runs.
    await m.query(
      `UPDATE support_tickets SET created_at = now() WHERE starts_with(message, '[demo:awaiting_email_confirmation]') AND state = 'awaiting_email_confirmation'`,
    );
  });
}
