import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AdminContext, testDataProvider, type AuthProvider } from 'react-admin';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { memberships } from '../account';
import { fakeApi } from '../test/fake-api';
import { SetupRequired } from './setup-required';

/** vi.waitFor gives up after 1 s; a busy shared machine needs as long as Testing Library's waits (src/test/setup.ts). */
const SLOW = { timeout: 20_000 };

vi.mock('@simplewebauthn/browser', () => ({
  startRegistration: vi.fn(async () => ({ id: 'cred', rawId: 'cred', type: 'public-key', response: {} })),
}));

const SETUP = { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Latchkey:ada?secret=JBSWY3DPEHPK3PXP', qrCode: 'data:image/png;base64,iVBORw0KGgo=' };

function restricted(logout = vi.fn(async () => undefined)): AuthProvider {
  return {
    login: async () => undefined,
    logout,
    checkAuth: async () => undefined,
    checkError: async () => undefined,
    getPermissions: async () => null,
    getIdentity: async () => ({ id: 'me', fullName: 'Ada' }),
  };
}

function renderSetup(authProvider = restricted()) {
  render(
    <MemoryRouter>
      <AdminContext authProvider={authProvider} dataProvider={testDataProvider()}>
        <SetupRequired />
      </AdminContext>
    </MemoryRouter>,
  );
}

/** jsdom cannot reload: the page's last step (a reload into the console) is observed, not performed. */
function watchReload() {
  const reload = vi.fn();
  const original = window.location;
  Object.defineProperty(window, 'location', { configurable: true, value: { ...original, hash: '#/setup-2fa', reload } });
  return {
    reload,
    restore: () => Object.defineProperty(window, 'location', { configurable: true, value: original }),
  };
}

describe('SetupRequired (the restricted session of mfa_setup_required)', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('says why nothing else works and offers both factors', async () => {
    const fake = fakeApi();
    fake.get('/me/mfa/passkeys', { body: [] });
    fake.get('/me/mfa', { body: { enabled: false } });
    renderSetup();
    expect(screen.getByRole('heading', { name: 'Set up two-factor authentication' })).toBeTruthy();
    expect(screen.getByText('An account you belong to requires a second factor. Set one up to continue.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Set up an authenticator app' })).toBeTruthy();
    await screen.findByTestId('no-passkeys');
  });

  it('after the authenticator app is enabled and the codes are saved, reloads into the console with fresh memberships', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.get('/me/mfa/passkeys', { body: [] });
    fake.get('/me/mfa', { body: { enabled: false } });
    fake.post('/me/mfa/totp/setup', { body: SETUP });
    fake.post('/me/mfa/totp/confirm', { body: { enabled: true, backupCodes: ['aaaa-bbbb', 'cccc-dddd'] } });
    // Memberships fetched before the setup are cached: the console must ask for them again after it.
    fake.get('/me/accounts', { body: { items: [] } });
    await memberships();
    const page = watchReload();
    restore = page.restore;
    renderSetup();

    await user.click(screen.getByRole('button', { name: 'Set up an authenticator app' }));
    await user.type(await screen.findByLabelText(/6-digit code/), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify and enable' }));
    await screen.findByTestId('backup-codes');
    expect(page.reload).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'I saved my codes' }));

    expect(page.reload).toHaveBeenCalledTimes(1);
    expect(window.location.hash).toBe('#/');
    await memberships();
    expect(fake.callsTo('GET', '/me/accounts')).toHaveLength(2);
  });

  it('after a passkey is added, Continue reloads into the console', async () => {
    Object.defineProperty(window, 'isSecureContext', { value: true, configurable: true });
    Object.defineProperty(window, 'PublicKeyCredential', { value: function PublicKeyCredential() {}, configurable: true });
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    let keys: unknown[] = [];
    fake.get('/me/mfa/passkeys', () => ({ body: keys }));
    fake.get('/me/mfa', { body: { enabled: false } });
    fake.post('/me/mfa/passkeys/options', { body: { challengeId: 'c1', options: { challenge: 'x' } } });
    fake.post('/me/mfa/passkeys', () => {
      keys = [{ id: '6f1c2a52-7d55-4c1e-9a6e-0d9f3f0b1a11', name: 'Phone', createdAt: new Date().toISOString(), lastUsedAt: null }];
      return { status: 201, body: { passkey: keys[0], backupCodes: ['eeee-ffff'] } };
    });
    const page = watchReload();
    restore = page.restore;
    renderSetup();

    await screen.findByTestId('no-passkeys');
    await user.type(screen.getByLabelText('Passkey name'), 'Phone');
    await user.click(screen.getByRole('button', { name: 'Add a passkey' }));
    await user.click(await screen.findByRole('button', { name: 'Continue' }));

    expect(fake.callsTo('POST', '/me/mfa/passkeys')[0]!.body).toMatchObject({ challengeId: 'c1', name: 'Phone' });
    expect(page.reload).toHaveBeenCalledTimes(1);
    expect(window.location.hash).toBe('#/');
  });

  it('signs out from the restricted session', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.get('/me/mfa/passkeys', { body: [] });
    fake.get('/me/mfa', { body: { enabled: false } });
    const logout = vi.fn(async () => undefined);
    renderSetup(restricted(logout));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await vi.waitFor(() => expect(logout).toHaveBeenCalledTimes(1), SLOW);
  });
});
