import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';

import { fakeApi } from '../test/fake-api';
import { renderSignedIn } from '../test/render';
import { Authenticators, type Factor } from './authenticators';

const APP: Factor = {
  id: '6f1c2a52-7d55-4c1e-9a6e-0d9f3f0b1a11',
  kind: 'totp',
  name: 'Authenticator app',
  createdAt: new Date().toISOString(),
  lastUsedAt: null,
};
const PHONE: Factor = {
  id: '0b9f7a4e-8c1d-4e8a-9a51-1f2d3c4b5a69',
  kind: 'sms',
  name: '+44••••••23',
  createdAt: new Date().toISOString(),
  lastUsedAt: null,
};
const SETUP = {
  secret: 'JBSWY3DPEHPK3PXP',
  otpauthUri: 'otpauth://totp/Latchkey:ada?secret=JBSWY3DPEHPK3PXP',
  qrCode: 'data:image/png;base64,iVBORw0KGgo=',
  name: 'Tablet',
};

function renderIt() {
  renderSignedIn(<Authenticators count={1} onChange={() => undefined} />);
}

describe('Authenticators', () => {
  it('lists only the authenticator apps by name, adds another under the name typed, and renames one', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    let factors: Factor[] = [APP, PHONE];
    fake.get('/me/mfa/factors', () => ({ body: factors }));
    fake.post('/me/mfa/authenticators', { body: SETUP });
    fake.post('/me/mfa/totp/confirm', () => {
      factors = [...factors, { ...APP, id: 'a2b1c2a5-7d55-4c1e-9a6e-0d9f3f0b1a12', name: 'Tablet' }];
      return { body: { status: 'enabled', method: 'totp' } };
    });
    fake.patch(`/me/mfa/factors/${APP.id}`, (call) => {
      factors = factors.map((f) => (f.id === APP.id ? { ...f, name: (call.body as { name: string }).name } : f));
      return { body: factors[0] };
    });
    renderIt();

    const rows = await screen.findAllByTestId('authenticator-row');
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual([expect.stringContaining('Authenticator app')]);

    await user.click(screen.getByRole('button', { name: 'Add another authenticator app' }));
    await user.type(screen.getByLabelText(/Name of the new authenticator/), 'Tablet');
    await user.click(screen.getByRole('button', { name: 'Set up "Tablet"' }));
    await screen.findByTestId('totp-qr');
    expect(fake.callsTo('POST', '/me/mfa/authenticators')[0]!.body).toEqual({ name: 'Tablet' });
    await user.type(screen.getByLabelText(/6-digit code/), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify and enable' }));
    expect(await screen.findByText(/^Tablet/)).toBeTruthy();
    expect(await screen.findAllByTestId('authenticator-row')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Rename Authenticator app' }));
    const field = screen.getByLabelText('New name');
    await user.clear(field);
    await user.type(field, 'Work phone');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('button', { name: 'Rename Work phone' })).toBeTruthy();
    expect(fake.callsTo('PATCH', `/me/mfa/factors/${APP.id}`).map((c) => c.body)).toEqual([{ name: 'Work phone' }]);
  });

  it('loads again in place when the count of apps changes, keeping the rows on screen meanwhile', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    let factors: Factor[] = [APP];
    fake.get('/me/mfa/factors', () => ({ body: factors }));
    function Counted() {
      const [count, setCount] = useState(1);
      return (
        <>
          <button onClick={() => setCount(2)}>Counted elsewhere</button>
          <Authenticators count={count} onChange={() => undefined} />
        </>
      );
    }
    renderSignedIn(<Counted />);
    expect(await screen.findAllByTestId('authenticator-row')).toHaveLength(1);
    expect(fake.callsTo('GET', '/me/mfa/factors')).toHaveLength(1);

    const list = screen.getByTestId('authenticators');
    factors = [APP, { ...APP, id: 'a2b1c2a5-7d55-4c1e-9a6e-0d9f3f0b1a12', name: 'Tablet' }];
    await user.click(screen.getByRole('button', { name: 'Counted elsewhere' }));
    expect(await screen.findByText(/^Tablet/)).toBeTruthy();
    expect(screen.getAllByTestId('authenticator-row')).toHaveLength(2);
    // The same list, updated: not mounted afresh (which shows a spinner until it loads).
    expect(screen.getByTestId('authenticators')).toBe(list);
    expect(fake.callsTo('GET', '/me/mfa/factors')).toHaveLength(2);
  });

  it('without an authenticator, offers the plain setup', async () => {
    const fake = fakeApi();
    fake.get('/me/mfa/factors', { body: [PHONE] });
    renderIt();
    expect(await screen.findByRole('button', { name: 'Set up an authenticator app' })).toBeTruthy();
    expect(screen.queryByTestId('authenticators')).toBeNull();
  });
});
