import { EVENT_CATALOGUE, EventDefinition } from './event-catalogue';
import { mergeAccountRules, resolveChannel } from './preferences.service';

describe('resolveChannel: mandatory > account lock > user > account default > catalogue', () => {
  const product: EventDefinition = EVENT_CATALOGUE['product.update'];
  const security: EventDefinition = EVENT_CATALOGUE['security.password_changed'];
  const rule = (enabled: boolean, locked: boolean) => ({ accountId: 'a1', enabled, locked });

  it('keeps a security mail on whatever the user or an account says', () => {
    expect(resolveChannel(security, 'email', { email: false }, { email: rule(false, true) })).toMatchObject({
      enabled: true,
      source: 'mandatory',
    });
  });

  it('lets an account lock beat the user, and the user beat an account default', () => {
    expect(resolveChannel(product, 'email', { email: true }, { email: rule(false, true) })).toMatchObject({
      enabled: false,
      source: 'account',
    });
    expect(resolveChannel(product, 'email', { email: false }, { email: rule(true, false) })).toMatchObject({
      enabled: false,
      default: true,
      source: 'user',
    });
    expect(resolveChannel(product, 'email', {}, { email: rule(true, false) })).toMatchObject({ enabled: true, source: 'account' });
    expect(resolveChannel(product, 'email', {}, {})).toMatchObject({ enabled: false, source: 'catalogue' });
  });

  it('merges accounts: a lock beats a default, "on" beats "off" between equals, ties stable by account id', () => {
    const merged = mergeAccountRules([
      { account_id: 'b', channel: 'email', enabled: true, locked: false },
      { account_id: 'a', channel: 'email', enabled: false, locked: true },
      { account_id: 'b', channel: 'sms', enabled: false, locked: false },
      { account_id: 'c', channel: 'sms', enabled: true, locked: false },
      { account_id: 'd', channel: 'in_app', enabled: true, locked: true },
      { account_id: 'c', channel: 'in_app', enabled: true, locked: true },
    ]);
    expect(merged).toEqual({
      email: { accountId: 'a', enabled: false, locked: true },
      sms: { accountId: 'c', enabled: true, locked: false },
      in_app: { accountId: 'c', enabled: true, locked: true },
    });
  });
});
