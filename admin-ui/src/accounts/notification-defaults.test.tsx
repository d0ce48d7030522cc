import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AdminContext, testDataProvider } from 'react-admin';
import { describe, expect, it } from 'vitest';

import { fakeApi } from '../test/fake-api';
import { NotificationDefaultsCard } from './notification-defaults';

const ACCOUNT = 'a0000000-0000-4000-8000-000000000001';

const cell = (channel: string, extra: Record<string, boolean> = {}) => ({
  channel,
  enabled: false,
  locked: false,
  catalogueDefault: false,
  set: false,
  mandatory: false,
  ...extra,
});

const grid = {
  items: [
    {
      event: 'security.password_changed',
      category: 'security',
      description: 'Your password was changed or reset',
      channels: [cell('email', { enabled: true, locked: true, catalogueDefault: true, mandatory: true }), cell('sms')],
    },
    {
      event: 'product.update',
      category: 'product',
      description: 'News about the product',
      channels: [cell('email'), cell('in_app', { enabled: true, catalogueDefault: true })],
    },
  ],
};

function renderCard(canEdit: boolean) {
  return render(
    <AdminContext dataProvider={testDataProvider()}>
      <NotificationDefaultsCard accountId={ACCOUNT} canEdit={canEdit} />
    </AdminContext>,
  );
}

describe('NotificationDefaultsCard', () => {
  it('an owner turns a default on and locks it; only the cells that differ from the catalogue are sent', async () => {
    const user = userEvent.setup({ delay: null });
    const fake = fakeApi();
    fake.get(`/accounts/${ACCOUNT}/notification-defaults`, { body: grid });
    fake.put(`/accounts/${ACCOUNT}/notification-defaults`, { body: grid });
    renderCard(true);

    const mandatory = await screen.findByLabelText('security.password_changed by email: on by default');
    expect(mandatory).toHaveProperty('disabled', true);
    expect(screen.queryByLabelText('security.password_changed by email: members may change')).toBeNull();
    await user.click(screen.getByLabelText('product.update by email: on by default'));
    await user.click(screen.getByLabelText('product.update by in_app: members may change'));
    await user.click(screen.getByRole('button', { name: 'Save notification defaults' }));

    expect(fake.callsTo('PUT', `/accounts/${ACCOUNT}/notification-defaults`)[0]!.body).toEqual({
      items: [
        { event: 'product.update', channel: 'email', enabled: true, locked: false },
        { event: 'product.update', channel: 'in_app', enabled: true, locked: true },
      ],
    });
  });

  it('an admin sees the grid read-only, without a save button', async () => {
    const fake = fakeApi();
    fake.get(`/accounts/${ACCOUNT}/notification-defaults`, { body: grid });
    renderCard(false);
    expect(await screen.findByLabelText('product.update by email: on by default')).toHaveProperty('disabled', true);
    expect(screen.getByLabelText('product.update by email: members may change')).toHaveProperty('disabled', true);
    expect(screen.queryByRole('button', { name: 'Save notification defaults' })).toBeNull();
    expect(screen.getByText(/Only owners can change these/)).toBeTruthy();
  });
});
