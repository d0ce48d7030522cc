import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { browser } from '../public/providers';
import { fakeApi } from '../test/fake-api';
import { renderSignedIn } from '../test/render';
import { ConnectedAccountsTab } from './connected-accounts';

const GITHUB = {
  id: '0b8c2f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f',
  provider: 'github',
  providerName: 'GitHub',
  email: 'ada@users.example',
  linkedAt: new Date().toISOString(),
  lastUsedAt: null,
};

function renderTab() {
  renderSignedIn(<ConnectedAccountsTab />);
}

describe('ConnectedAccountsTab', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists a connected account, asks for the password when the sign-in is not recent, then disconnects with it', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    let items = [GITHUB];
    fake.get('/me/connected-accounts', () => ({
      body: { items, available: [{ id: 'acme', displayName: 'Acme SSO' }], hasPassword: true },
    }));
    fake.get('/me/mfa', { body: { enabled: false } });
    fake.delete(`/me/connected-accounts/${GITHUB.id}`, (call) => {
      if (!(call.body as { password?: string } | undefined)?.password) {
        return { status: 403, body: { status: 403, code: 'REAUTH_REQUIRED', detail: 'Confirm it is you: send your current password.' } };
      }
      items = [];
      return { status: 204 };
    });
    renderTab();
    const row = await screen.findByTestId('connected-account-row');
    expect(row.textContent).toContain('GitHub');
    expect(row.textContent).toContain('ada@users.example');
    expect(row.textContent).toContain('Never used');

    await user.click(within(row).getByRole('button', { name: 'Disconnect' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Confirm' }));
    expect((await screen.findByTestId('connected-accounts-error')).textContent).toContain('Confirm it is you');

    await user.type(screen.getByLabelText('Current password'), 'my-password');
    // The confirmation dialog keeps the page aria-hidden until its closing transition ends.
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await user.click(await within(screen.getByTestId('connected-account-row')).findByRole('button', { name: 'Disconnect' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Confirm' }));
    await screen.findByText('No connected accounts.');
    expect(fake.callsTo('DELETE', `/me/connected-accounts/${GITHUB.id}`).map((c) => c.body)).toEqual([{}, { password: 'my-password' }]);
  });

  it('says what to add first when the account is the last way to sign in', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.get('/me/connected-accounts', { body: { items: [GITHUB], available: [], hasPassword: false } });
    fake.get('/me/mfa', { body: { enabled: false } });
    fake.delete(`/me/connected-accounts/${GITHUB.id}`, {
      status: 409,
      body: {
        status: 409,
        code: 'LAST_SIGN_IN_METHOD',
        detail: 'This is the only way you can sign in. First set a password, add a passkey, or connect another account.',
      },
    });
    renderTab();
    const row = await screen.findByTestId('connected-account-row');
    expect(within(row).getByRole('button', { name: 'Confirm it is you' })).toBeTruthy();
    await user.click(within(row).getByRole('button', { name: 'Disconnect' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Confirm' }));
    expect((await screen.findByTestId('connected-accounts-error')).textContent).toMatch(/only way you can sign in.*set a password/);
  });

  it('connects a provider: sends the proof, then goes to the provider’s page', async () => {
    const user = userEvent.setup({ delay: null });
    const assign = vi.spyOn(browser, 'go').mockImplementation(() => undefined);
    const fake = fakeApi();
    fake.get('/me/connected-accounts', { body: { items: [], available: [{ id: 'acme', displayName: 'Acme SSO' }], hasPassword: true } });
    fake.get('/me/mfa', { body: { enabled: false } });
    fake.post('/me/connected-accounts/acme/start', { body: { authorizationUrl: 'https://idp.example/authorize?state=s' } });
    renderTab();
    await screen.findByText('No connected accounts.');
    await user.type(screen.getByLabelText('Current password'), 'my-password');
    await user.click(screen.getByRole('button', { name: 'Connect Acme SSO' }));
    expect(fake.callsTo('POST', '/me/connected-accounts/acme/start')[0]!.body).toEqual({ purpose: 'link', password: 'my-password' });
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://idp.example/authorize?state=s'));
  });
});
