import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { fakeApi } from '../test/fake-api';
import { renderSignedIn } from '../test/render';
import { Passkeys } from './passkeys';

vi.mock('@simplewebauthn/browser', () => ({
  startRegistration: vi.fn(async () => ({ id: 'cred', rawId: 'cred', type: 'public-key', response: {} })),
}));

const KEY = { id: '6f1c2a52-7d55-4c1e-9a6e-0d9f3f0b1a11', name: 'Work laptop', createdAt: new Date().toISOString(), lastUsedAt: null };
const REAUTH = { status: 403, body: { status: 403, code: 'REAUTH_REQUIRED', detail: 'Confirm it is you: send your password and a code.' } };

function renderPasskeys() {
  renderSignedIn(<Passkeys onChange={() => undefined} />);
}

describe('Passkeys', () => {
  it('when the sign-in is not recent, asks for the password and a code to remove a passkey, then removes it with them', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    let keys = [KEY];
    fake.get('/me/mfa/passkeys', () => ({ body: keys }));
    fake.get('/me/mfa', { body: { enabled: true } });
    fake.delete(`/me/mfa/passkeys/${KEY.id}`, (call) => {
      if (!(call.body as { password?: string }).password) {
        return REAUTH;
      }
      keys = [];
      return { body: { status: 'ok', message: 'Passkey removed' } };
    });
    renderPasskeys();
    await screen.findByText('Work laptop');
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: /Remove|Confirm/ }));

    const proof = await screen.findByTestId('passkey-proof');
    expect(proof.textContent).toContain('remove the passkey "Work laptop"');
    // The confirmation dialog keeps the page aria-hidden until its closing transition ends.
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await user.type(within(proof).getByLabelText('Current password'), 'my-password');
    await user.type(within(proof).getByLabelText(/Code from your authenticator/), '123456');
    await user.click(within(proof).getByRole('button', { name: 'Confirm' }));

    await screen.findByTestId('no-passkeys');
    expect(fake.callsTo('DELETE', `/me/mfa/passkeys/${KEY.id}`).map((c) => c.body)).toEqual([
      {},
      { password: 'my-password', code: '123456' },
    ]);
    expect(screen.queryByTestId('passkey-proof')).toBeNull();
  });

  it('asks for the proof before adding a passkey beside another factor, then sends it with the options request', async () => {
    Object.defineProperty(window, 'isSecureContext', { value: true, configurable: true });
    Object.defineProperty(window, 'PublicKeyCredential', { value: function PublicKeyCredential() {}, configurable: true });
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.get('/me/mfa/passkeys', { body: [] });
    fake.get('/me/mfa', { body: { enabled: true } });
    fake.post('/me/mfa/passkeys/options', (call) =>
      (call.body as { password?: string }).password ? { body: { challengeId: 'c1', options: { challenge: 'x' } } } : REAUTH,
    );
    fake.post('/me/mfa/passkeys', { status: 201, body: { passkey: { ...KEY, name: 'Phone' }, backupCodes: null } });
    renderPasskeys();
    await screen.findByTestId('no-passkeys');
    await user.type(screen.getByLabelText('Passkey name'), 'Phone');
    await user.click(screen.getByRole('button', { name: 'Add a passkey' }));
    const proof = await screen.findByTestId('passkey-proof');
    await user.type(within(proof).getByLabelText('Current password'), 'my-password');
    await user.type(within(proof).getByLabelText(/Code from your authenticator/), '654321');
    await user.click(within(proof).getByRole('button', { name: 'Confirm' }));

    await vi.waitFor(() => expect(fake.callsTo('POST', '/me/mfa/passkeys')).toHaveLength(1));
    expect(fake.callsTo('POST', '/me/mfa/passkeys/options').map((c) => c.body)).toEqual([{}, { password: 'my-password', code: '654321' }]);
    expect(fake.callsTo('POST', '/me/mfa/passkeys')[0]!.body).toMatchObject({ challengeId: 'c1', name: 'Phone' });
  });
});
