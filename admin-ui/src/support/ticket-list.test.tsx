import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AdminContext, ResourceContextProvider, testDataProvider, type AuthProvider, type GetListParams } from 'react-admin';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it, vi } from 'vitest';

import { fakeApi } from '../test/fake-api';
import { TicketList, age, referenceOf } from './tickets';

/** vi.waitFor gives up after 1 s; a busy shared machine needs as long as Testing Library's waits (src/test/setup.ts). */
const SLOW = { timeout: 20_000 };

const staff: AuthProvider = {
  login: async () => undefined,
  logout: async () => undefined,
  checkAuth: async () => undefined,
  checkError: async () => undefined,
  getPermissions: async () => null,
  getIdentity: async () => ({ id: 'me', fullName: 'Sam Staff', staffRole: 'support' }),
};

const TICKETS = [
  {
    id: '3f2a9c10-0000-4000-8000-000000000001',
    reference: 'SUP-3F2A9C10-XYZ',
    type: 'mfa_reset',
    state: 'awaiting_approval',
    email: 'lost@example.com',
    createdAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
  },
  // An older ticket without a stored reference: the queue derives one from the id.
  { id: 'abcdef12-0000-4000-8000-000000000002', type: 'account_deletion', state: 'open', email: 'gone@example.com', createdAt: new Date(Date.now() - 5 * 60_000).toISOString() },
];

function renderQueue(getList: (resource: string, params: GetListParams) => Promise<{ data: unknown[]; total: number }>) {
  render(
    <MemoryRouter initialEntries={['/tickets']}>
      <AdminContext authProvider={staff} dataProvider={testDataProvider({ getList: getList as never })}>
        <ResourceContextProvider value="tickets">
          <TicketList />
        </ResourceContextProvider>
      </AdminContext>
    </MemoryRouter>,
  );
}

describe('TicketList (the support queue)', () => {
  it('shows each ticket by reference, requester, type and state in words, and its age', async () => {
    const fake = fakeApi();
    fake.get('/me/mfa', { body: { enabled: true } });
    renderQueue(async () => ({ data: TICKETS, total: TICKETS.length }));

    const first = (await screen.findByText('SUP-3F2A9C10-XYZ')).closest('tr')!;
    expect(within(first).getByText('lost@example.com')).toBeTruthy();
    expect(within(first).getByText('mfa reset')).toBeTruthy();
    expect(within(first).getByTestId('ticket-state').textContent).toBe('awaiting approval');
    expect(within(first).getByText('3 h')).toBeTruthy();
    const second = screen.getByText('SUP-ABCDEF12').closest('tr')!;
    expect(within(second).getByText('account deletion')).toBeTruthy();
    expect(within(second).getByText('5 min')).toBeTruthy();
    expect(screen.queryByTestId('staff-2fa-required')).toBeNull();
  });

  it('searches by reference or email', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.get('/me/mfa', { body: { enabled: true } });
    const getList = vi.fn(async (_resource: string, params: GetListParams) => ({
      data: TICKETS.filter((t) => !params.filter.q || t.email.includes(params.filter.q)),
      total: 1,
    }));
    renderQueue(getList);
    await screen.findByText('SUP-3F2A9C10-XYZ');
    await user.type(screen.getByLabelText('Reference or email'), 'gone@');
    // The filter is debounced: on a slow machine a partial search may go out first; the last one is the whole text.
    await vi.waitFor(() => expect(getList.mock.calls.at(-1)![1].filter).toMatchObject({ q: 'gone@' }), SLOW);
    await vi.waitFor(() => expect(screen.queryByText('SUP-3F2A9C10-XYZ')).toBeNull(), SLOW);
    expect(await screen.findByText('gone@example.com')).toBeTruthy();
  });

  it('tells a staff member without two-factor authentication to set it up first', async () => {
    const fake = fakeApi();
    fake.get('/me/mfa', { body: { enabled: false } });
    renderQueue(async () => ({ data: [], total: 0 }));
    const notice = await screen.findByTestId('staff-2fa-required');
    expect(notice.textContent).toContain('Staff must use two-factor authentication');
    expect(within(notice).getByRole('link', { name: 'Set up 2FA' }).getAttribute('href')).toBe('/me/security');
  });

  it('words ages in minutes, hours, then days, and never negative', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(age('2026-01-10T11:59:00Z', now)).toBe('1 min');
    expect(age('2026-01-10T12:05:00Z', now)).toBe('0 min');
    expect(age('2026-01-10T09:00:00Z', now)).toBe('3 h');
    expect(age('2026-01-07T12:00:00Z', now)).toBe('3 d');
    expect(referenceOf({ id: 'abcdef12-0000', reference: 'SUP-X' })).toBe('SUP-X');
    expect(referenceOf({ id: 'abcdef12-0000' })).toBe('SUP-ABCDEF12');
  });
});
