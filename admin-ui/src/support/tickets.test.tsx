import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AdminContext, testDataProvider, type AuthProvider } from 'react-admin';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';

import { fakeApi } from '../test/fake-api';
import { TicketShow } from './tickets';

const TICKET_ID = '3f2a9c10-0000-4000-8000-000000000001';
const requester = { id: 'u-1', email: 'lost@example.com', displayName: 'Lou Lost' };

function ticket(state: string, extra: Record<string, unknown> = {}) {
  return {
    id: TICKET_ID,
    reference: 'SUP-3F2A9C10-XYZ',
    type: 'mfa_reset',
    state,
    email: requester.email,
    userId: requester.id,
    message: 'I lost my phone.',
    verifierId: null,
    approverId: null,
    executeAfter: null,
    executedAt: null,
    reason: null,
    createdAt: new Date(Date.now() - 3_600_000).toISOString(),
    requester,
    checks: [],
    checksMissing: 2,
    events: [{ fromState: null, toState: 'open', actorKind: 'anonymous', actorId: null, reason: null, ip: '203.0.113.9', at: new Date().toISOString() }],
    ...extra,
  };
}

function staff(staffRole: 'support' | 'support_lead'): AuthProvider {
  return {
    login: async () => undefined,
    logout: async () => undefined,
    checkAuth: async () => undefined,
    checkError: async () => undefined,
    getPermissions: async () => null,
    getIdentity: async () => ({ id: 'me', fullName: 'Sam Staff', staffRole }),
  };
}

function renderTicket(staffRole: 'support' | 'support_lead') {
  return render(
    <MemoryRouter initialEntries={[`/tickets/${TICKET_ID}`]}>
      <AdminContext authProvider={staff(staffRole)} dataProvider={testDataProvider()}>
        <Routes>
          <Route path="/tickets/:id" element={<TicketShow />} />
        </Routes>
      </AdminContext>
    </MemoryRouter>,
  );
}

function withUserFacts(fake: ReturnType<typeof fakeApi>) {
  fake.get(`/admin/users/${requester.id}`, {
    body: {
      recentLogins: [{ id: 'l1', occurredAt: new Date().toISOString(), outcome: 'success', ip: '198.51.100.4', browser: 'Firefox', os: 'Linux', location: 'Lisbon, PT' }],
      memberships: [{ accountId: 'a1', name: 'Acme', role: 'admin', require2fa: true }],
      mfa: { enabled: true, totp: true, sms: null, backupCodesRemaining: 3 },
    },
  });
}

describe('TicketShow', () => {
  it('a lead approves with a reason, password and code; the ticket then waits out its cool-down', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    withUserFacts(fake);
    fake.get(`/support/tickets/${TICKET_ID}`, { body: ticket('awaiting_approval', { checksMissing: 0 }) });
    fake.post(`/support/tickets/${TICKET_ID}/approve`, {
      body: ticket('approved', { checksMissing: 0, executeAfter: new Date(Date.now() + 72 * 3_600_000).toISOString(), approver: { id: 'me', email: 'lead@example.com', displayName: 'Sam Staff' } }),
    });
    renderTicket('support_lead');

    expect((await screen.findByTestId('ticket-reference')).textContent).toContain('SUP-3F2A9C10-XYZ');
    expect((await screen.findByTestId('user-facts')).textContent).toContain('Acme: admin');
    await user.click(await screen.findByRole('button', { name: 'Approve' }));
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Approve' });
    await user.type(within(dialog).getByLabelText('Reason'), 'Checks match the sign-in history');
    expect(confirm).toHaveProperty('disabled', true);
    await user.type(within(dialog).getByLabelText('Current password'), 'lead-password');
    await user.type(within(dialog).getByLabelText(/Code from your authenticator/), '123456');
    expect(confirm).toHaveProperty('disabled', false);
    await user.click(confirm);

    expect(fake.callsTo('POST', `/support/tickets/${TICKET_ID}/approve`)[0]!.body).toEqual({
      reason: 'Checks match the sign-in history',
      password: 'lead-password',
      code: '123456',
    });
    expect((await screen.findByTestId('ticket-state')).textContent).toBe('approved');
    const execute = await screen.findByTestId('execute-button');
    expect(execute).toHaveProperty('disabled', true);
    expect(execute.textContent).toMatch(/^Execute \(in \d+h? ?/);
    expect(screen.getByTestId('ticket-staff').textContent).toContain('Approved by Sam Staff');
  });

  it('an agent who is not a lead is not offered Approve', async () => {
    const fake = fakeApi();
    withUserFacts(fake);
    fake.get(`/support/tickets/${TICKET_ID}`, { body: ticket('awaiting_approval', { checksMissing: 0 }) });
    renderTicket('support');
    await screen.findByTestId('ticket-reference');
    await screen.findByTestId('user-facts');
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('records the ticked checks with their notes', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    withUserFacts(fake);
    fake.get(`/support/tickets/${TICKET_ID}`, { body: ticket('open') });
    fake.post(`/support/tickets/${TICKET_ID}/verification`, (call) => ({
      body: ticket('verifying', {
        checks: (call.body as { checks: Array<{ kind: string; note: string }> }).checks.map((c) => ({ ...c, agentId: 'me', agent: { id: 'me', email: 's@example.com', displayName: 'Sam Staff' }, createdAt: new Date().toISOString() })),
      }),
    }));
    renderTicket('support');
    const record = await screen.findByRole('button', { name: 'Record checks' });
    expect(record).toHaveProperty('disabled', true);
    await user.click(screen.getByLabelText('Sign-in history described correctly'));
    await user.type(screen.getByLabelText('Note: Sign-in history described correctly'), 'Named Lisbon and Firefox');
    await user.click(screen.getByLabelText('Called back the number on file'));
    await user.click(record);
    expect(fake.callsTo('POST', `/support/tickets/${TICKET_ID}/verification`)[0]!.body).toEqual({
      checks: [
        { kind: 'sign_in_history', note: 'Named Lisbon and Firefox' },
        { kind: 'phone_callback', note: '' },
      ],
    });
    const checks = await screen.findAllByTestId('ticket-check');
    expect(checks.map((c) => c.textContent)).toEqual([
      expect.stringContaining('sign in history: Named Lisbon and Firefox'),
      expect.stringContaining('phone callback'),
    ]);
  });

  it('executes after the cool-down with a fresh password and code, and shows a refusal in words', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    withUserFacts(fake);
    fake.get(`/support/tickets/${TICKET_ID}`, { body: ticket('approved', { executeAfter: new Date(Date.now() - 1000).toISOString() }) });
    fake.post(`/support/tickets/${TICKET_ID}/execute`, { status: 401, body: { status: 401, code: 'REAUTH_FAILED', detail: 'Your password or code is not right.' } });
    renderTicket('support');
    const execute = await screen.findByTestId('execute-button');
    expect(execute).toHaveProperty('disabled', false);
    await user.click(execute);
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Current password'), 'agent-password');
    await user.type(within(dialog).getByLabelText(/Code from your authenticator/), '654321');
    await user.click(within(dialog).getByRole('button', { name: 'Execute now' }));
    expect(fake.callsTo('POST', `/support/tickets/${TICKET_ID}/execute`)[0]!.body).toEqual({ password: 'agent-password', code: '654321' });
    expect((await screen.findByText('Your password or code is not right.')).textContent).toBeTruthy();
    expect(screen.getByTestId('ticket-state').textContent).toBe('approved');
  });
});
