import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { forgetMemberships } from '../account';
import { fakeApi } from '../test/fake-api';
import { renderSignedIn } from '../test/render';
import { ApiKeysTab } from './api-keys';

const SECRET = 'lk_pat_' + 'Q'.repeat(43);
const KEY = {
  id: '6f1c2a52-7d55-4c1e-9a6e-0d9f3f0b1a11',
  name: 'Nightly report',
  prefix: SECRET.slice(0, 11),
  scopes: ['read'],
  accountId: null,
  accountName: null,
  roleCap: null,
  userId: 'me',
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
  lastUsedAt: null,
  lastUsedIp: null,
  revokedAt: null,
  status: 'active',
};

describe('ApiKeysTab', () => {
  it('creates a key with the password, shows the secret once in a dialog, then lists only its prefix', async () => {
    forgetMemberships();
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    let keys: unknown[] = [];
    fake.get('/me/api-keys', () => ({ body: { items: keys } }));
    fake.get('/me/mfa', { body: { enabled: false } });
    fake.get('/me/accounts', { body: { items: [] } });
    fake.post('/me/api-keys', () => {
      keys = [KEY];
      return { status: 201, body: { key: KEY, secret: SECRET } };
    });
    renderSignedIn(<ApiKeysTab />);
    await screen.findByText('No API keys.');
    const form = screen.getByTestId('api-key-create');
    await user.type(within(form).getByLabelText(/Name/), 'Nightly report');
    await user.type(within(form).getByLabelText('Current password'), 'my-password');
    await user.click(within(form).getByRole('button', { name: 'Create key' }));

    expect(fake.callsTo('POST', '/me/api-keys')[0]!.body).toEqual({
      name: 'Nightly report',
      scopes: ['read'],
      expiresInDays: 90,
      password: 'my-password',
    });
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('api-key-secret')).toHaveProperty('value', SECRET);
    await user.click(within(dialog).getByRole('button', { name: 'I have copied it' }));
    expect(await screen.findByTestId('api-key-row')).toHaveProperty('textContent', expect.stringContaining(KEY.prefix));
    expect(document.body.innerHTML).not.toContain(SECRET.slice(11));
  });
});
