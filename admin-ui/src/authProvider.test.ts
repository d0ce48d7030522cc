import { beforeEach, describe, expect, it } from 'vitest';

import { forgetMemberships } from './account';
import { ApiError } from './api';
import { SETUP_ROUTE, authProvider } from './authProvider';
import * as auth from './authProvider';
import { fakeApi } from './test/fake-api';

describe('authProvider', () => {
  beforeEach(() => forgetMemberships());

  it('signs in with a password alone', async () => {
    const fake = fakeApi();
    fake.post('/auth/login', { body: { status: 'signed_in' } });
    await expect(authProvider.login({ username: 'ada@example.com', password: 'pw' })).resolves.toBeUndefined();
    expect(fake.callsTo('POST', '/auth/login')[0]!.body).toEqual({ email: 'ada@example.com', password: 'pw' });
  });

  it('keeps the challenge for the code form when a second factor is asked, then sends it with the code', async () => {
    const fake = fakeApi();
    fake.post('/auth/login', { body: { status: 'mfa_required', challengeId: 'ch-1', methods: ['totp', 'backup_code'] } });
    fake.post('/auth/login/mfa', { body: { status: 'signed_in' } });
    await expect(authProvider.login({ username: 'ada@example.com', password: 'pw' })).resolves.toEqual({ redirectTo: false });
    expect(auth.pendingChallenge).toEqual({ challengeId: 'ch-1', methods: ['totp', 'backup_code'] });
    await authProvider.login({ challengeId: 'ch-1', method: 'totp', code: '123456', trustDevice: true });
    expect(fake.callsTo('POST', '/auth/login/mfa')[0]!.body).toEqual({ challengeId: 'ch-1', method: 'totp', code: '123456', trustDevice: true });
    expect(auth.pendingChallenge).toBeUndefined();
  });

  it('sends a user who must set up 2FA to the setup page, after the password or after the code', async () => {
    const fake = fakeApi();
    fake.post('/auth/login', { body: { status: 'mfa_setup_required' } });
    await expect(authProvider.login({ username: 'a@example.com', password: 'pw' })).resolves.toEqual({ redirectTo: SETUP_ROUTE });
    fake.post('/auth/login/mfa', { body: { status: 'mfa_setup_required' } });
    await expect(authProvider.login({ challengeId: 'c', method: 'totp', code: '000000' })).resolves.toEqual({ redirectTo: SETUP_ROUTE });
  });

  it('fails the sign-in with the problem the API answered', async () => {
    const fake = fakeApi();
    fake.post('/auth/login', { status: 401, body: { status: 401, code: 'INVALID_CREDENTIALS', detail: 'Wrong email or password.' } });
    await expect(authProvider.login({ username: 'a@example.com', password: 'bad' })).rejects.toMatchObject({ status: 401, message: 'Wrong email or password.' });
  });

  it('logs out on 401 only, and turns a restricted session into a trip to the setup page', async () => {
    await expect(authProvider.checkError(new ApiError(401, { code: 'UNAUTHENTICATED' }))).rejects.toBeInstanceOf(ApiError);
    await expect(authProvider.checkError(new ApiError(403, { code: 'FORBIDDEN' }))).resolves.toBeUndefined();
    await expect(authProvider.checkError(new ApiError(403, { code: 'MFA_SETUP_REQUIRED' }))).rejects.toEqual({
      redirectTo: SETUP_ROUTE,
      logoutUser: false,
      message: false,
    });
  });

  it('opens support pages to staff only, and account admin pages to owners and admins of the current account', async () => {
    const fake = fakeApi();
    fake.get('/me', { body: { id: 'u1', email: 'a@example.com', displayName: 'A', avatarUrl: null, staffRole: null, preferences: {} } });
    fake.get('/me/accounts', { body: { items: [{ accountId: 'acc', name: 'Acme', role: 'member', require2fa: false, joinedAt: '2026-01-01' }] } });
    expect(await authProvider.canAccess!({ resource: 'tickets', action: 'list' })).toBe(false);
    expect(await authProvider.canAccess!({ resource: 'audit-log', action: 'list' })).toBe(false);
    expect(await authProvider.canAccess!({ resource: 'sessions', action: 'list' })).toBe(true);

    fake.get('/me', { body: { id: 'u1', email: 'a@example.com', displayName: 'A', avatarUrl: null, staffRole: 'support', preferences: {} } });
    fake.get('/me/accounts', { body: { items: [{ accountId: 'acc', name: 'Acme', role: 'admin', require2fa: false, joinedAt: '2026-01-01' }] } });
    forgetMemberships();
    expect(await authProvider.canAccess!({ resource: 'tickets', action: 'list' })).toBe(true);
    expect(await authProvider.canAccess!({ resource: 'audit-log', action: 'list' })).toBe(true);
    expect(await authProvider.getPermissions!({})).toBe('admin');
  });
});
