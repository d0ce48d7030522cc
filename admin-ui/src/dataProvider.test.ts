import { beforeEach, describe, expect, it } from 'vitest';

import { forgetMemberships, switchAccount } from './account';
import { dataProvider } from './dataProvider';
import { fakeApi } from './test/fake-api';

const ACME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const sort = { field: 'id', order: 'ASC' as const };

function memberOf(...accounts: Array<[string, string]>) {
  const fake = fakeApi();
  fake.get('/me/accounts', { body: { items: accounts.map(([accountId, name]) => ({ accountId, name, role: 'owner', require2fa: false, joinedAt: '2026-01-01' })) } });
  return fake;
}

describe('dataProvider', () => {
  beforeEach(() => forgetMemberships());

  it('walks cursor pages: page 3 asks pages 1, 2 and 3 with the cursor each page gave, then remembers them', async () => {
    const fake = memberOf([ACME, 'Acme']);
    fake.get(`/accounts/${ACME}/invitations`, (call) => {
      const cursor = call.query.get('cursor');
      const n = cursor ? Number(cursor.slice(1)) : 1;
      return { body: { items: [{ id: `inv-${n}` }], nextCursor: n < 5 ? `c${n + 1}` : null } };
    });
    const page3 = await dataProvider.getList('invitations', { pagination: { page: 3, perPage: 1 }, sort, filter: {} });
    expect(page3.data).toEqual([{ id: 'inv-3' }]);
    expect(page3.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
    expect(fake.callsTo('GET', `/accounts/${ACME}/invitations`).map((c) => c.query.get('cursor'))).toEqual([null, 'c2', 'c3']);

    const before = fake.calls.length;
    const page4 = await dataProvider.getList('invitations', { pagination: { page: 4, perPage: 1 }, sort, filter: {} });
    expect(page4.data).toEqual([{ id: 'inv-4' }]);
    expect(fake.calls.slice(before).map((c) => c.query.get('cursor'))).toEqual(['c4']);
  });

  it('passes filters by name and drops empty ones', async () => {
    const fake = memberOf([ACME, 'Acme']);
    fake.get(`/accounts/${ACME}/audit-log`, { body: { items: [], nextCursor: null } });
    await dataProvider.getList('audit-log', { pagination: { page: 1, perPage: 25 }, sort, filter: { action: 'member.joined', actor: '' } });
    const [call] = fake.callsTo('GET', `/accounts/${ACME}/audit-log`);
    expect(call!.query.get('action')).toBe('member.joined');
    expect(call!.query.has('actor')).toBe(false);
    expect(call!.query.get('limit')).toBe('25');
  });

  it('asks members in the simple-rest dialect and reads the total from Content-Range', async () => {
    const fake = memberOf([ACME, 'Acme']);
    fake.get(`/accounts/${ACME}/members`, { body: [{ id: 'u1' }, { id: 'u2' }], headers: { 'Content-Range': 'members 25-26/57' } });
    const res = await dataProvider.getList('members', { pagination: { page: 2, perPage: 25 }, sort: { field: 'email', order: 'DESC' }, filter: { mfa: 'none', q: '' } });
    expect(res).toEqual({ data: [{ id: 'u1' }, { id: 'u2' }], total: 57 });
    const [call] = fake.callsTo('GET', `/accounts/${ACME}/members`);
    expect(call!.query.get('range')).toBe('[25,49]');
    expect(call!.query.get('sort')).toBe('["email","DESC"]');
    expect(call!.query.get('filter')).toBe('{"mfa":"none"}');
  });

  it('resolves account resources against the account picked in the switcher', async () => {
    const fake = memberOf([ACME, 'Acme'], [OTHER, 'Other']);
    fake.get(`/accounts/${OTHER}/invitations`, { body: { items: [{ id: 'theirs' }], nextCursor: null } });
    switchAccount(OTHER);
    const res = await dataProvider.getList('invitations', { pagination: { page: 1, perPage: 10 }, sort, filter: {} });
    expect(res.data).toEqual([{ id: 'theirs' }]);
  });

  it('sends the CSRF cookie back as X-CSRF-Token on writes, never on reads', async () => {
    const fake = memberOf([ACME, 'Acme']);
    document.cookie = 'lk_csrf=token-123; path=/';
    fake.delete(/^\/me\/sessions\/[\w-]+$/, { status: 204 });
    fake.get('/me/sessions', { body: { items: [{ id: 's1' }] } });
    await dataProvider.delete('sessions', { id: 's1', previousData: { id: 's1' } });
    await dataProvider.getList('sessions', { pagination: { page: 1, perPage: 10 }, sort, filter: {} });
    expect(fake.callsTo('DELETE', '/me/sessions/s1')[0]!.headers['X-CSRF-Token']).toBe('token-123');
    expect(fake.callsTo('GET', '/me/sessions')[0]!.headers['X-CSRF-Token']).toBeUndefined();
  });

  it('forgets remembered cursors after a change, so the list is read afresh', async () => {
    const fake = memberOf([ACME, 'Acme']);
    let version = 1;
    fake.get(`/accounts/${ACME}/invitations`, (call) => ({
      body: { items: [{ id: `v${version}-${call.query.get('cursor') ?? 'first'}` }], nextCursor: `v${version}` },
    }));
    fake.delete(/^\/accounts\/.*\/invitations\/.*/, { status: 204 });
    await dataProvider.getList('invitations', { pagination: { page: 2, perPage: 1 }, sort, filter: {} });
    version = 2;
    await dataProvider.delete('invitations', { id: 'x', previousData: { id: 'x' } });
    const page2 = await dataProvider.getList('invitations', { pagination: { page: 2, perPage: 1 }, sort, filter: {} });
    expect(page2.data).toEqual([{ id: 'v2-v2' }]);
  });

  it('turns an API problem into an error carrying its status and detail', async () => {
    const fake = memberOf([ACME, 'Acme']);
    fake.get(`/accounts/${ACME}/audit-log`, { status: 403, body: { status: 403, code: 'FORBIDDEN', detail: 'Admins only.' } });
    await expect(dataProvider.getList('audit-log', { pagination: { page: 1, perPage: 25 }, sort, filter: {} })).rejects.toMatchObject({
      status: 403,
      message: 'Admins only.',
    });
  });

  it('refuses a resource it has no list for', async () => {
    memberOf([ACME, 'Acme']);
    await expect(dataProvider.getList('nonsense', { pagination: { page: 1, perPage: 1 }, sort, filter: {} })).rejects.toThrow('Unknown resource nonsense');
  });
});
