import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { fakeApi } from '../test/fake-api';
import { TotpSetup } from './totp-setup';

const SETUP = { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Latchkey:ada?secret=JBSWY3DPEHPK3PXP', qrCode: 'data:image/png;base64,iVBORw0KGgo=' };

describe('TotpSetup', () => {
  it('shows the QR and the key, enables with a code, then shows the backup codes once before finishing', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.post('/me/mfa/totp/setup', { body: SETUP });
    fake.post('/me/mfa/totp/confirm', { body: { enabled: true, backupCodes: ['aaaa-bbbb', 'cccc-dddd'] } });
    const onDone = vi.fn();
    render(<TotpSetup onDone={onDone} />);

    await user.click(screen.getByRole('button', { name: 'Set up an authenticator app' }));
    expect(await screen.findByAltText('QR code for your authenticator app')).toHaveProperty('src', SETUP.qrCode);
    expect(screen.getByTestId('totp-secret').textContent).toBe(SETUP.secret);

    await user.type(screen.getByLabelText(/6-digit code/), ' 123456 ');
    await user.click(screen.getByRole('button', { name: 'Verify and enable' }));
    expect(fake.callsTo('POST', '/me/mfa/totp/confirm')[0]!.body).toEqual({ code: '123456' });
    expect((await screen.findByTestId('backup-codes')).textContent).toBe('aaaa-bbbb\ncccc-dddd');
    expect(onDone).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'I saved my codes' }));
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('says what was wrong with a refused code and lets the user try again', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.post('/me/mfa/totp/setup', { body: SETUP });
    fake.post('/me/mfa/totp/confirm', { status: 400, body: { status: 400, code: 'INVALID_CODE', detail: 'That code is not valid.' } });
    const onDone = vi.fn();
    render(<TotpSetup onDone={onDone} />);
    await user.click(screen.getByRole('button', { name: 'Set up an authenticator app' }));
    await user.type(await screen.findByLabelText(/6-digit code/), '000000');
    await user.click(screen.getByRole('button', { name: 'Verify and enable' }));
    expect((await screen.findByRole('alert')).textContent).toContain('That code is not valid.');
    expect(screen.getByRole('button', { name: 'Verify and enable' })).toHaveProperty('disabled', false);
    expect(onDone).not.toHaveBeenCalled();
  });

  it('finishes at once when a second factor is added (no new backup codes)', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.post('/me/mfa/totp/setup', { body: SETUP });
    fake.post('/me/mfa/totp/confirm', { body: { enabled: true } });
    const onDone = vi.fn();
    render(<TotpSetup onDone={onDone} />);
    await user.click(screen.getByRole('button', { name: 'Set up an authenticator app' }));
    await user.type(await screen.findByLabelText(/6-digit code/), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify and enable' }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId('backup-codes')).toBeNull();
  });
});
