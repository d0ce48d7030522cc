import type { AuthProvider } from 'react-admin';

import { currentMembership, forgetMemberships, isManager } from './account';
import { ApiError, api } from './api';

export interface Me {
  id: string;
  email: string;
  displayName: string;
  avatarUrl: string | null;
  staffRole: 'support' | 'support_lead' | null;
  preferences: { theme?: 'light' | 'dark' | 'system'; compactMode?: boolean; dateFormat?: string; timeFormat?: '12h' | '24h' };
  deletionScheduledFor?: string | null;
}

/** A pending second step, kept between the password form and the code form. */
export let pendingChallenge: { challengeId: string; methods: string[] } | undefined;

export const SETUP_ROUTE = '/setup-2fa';

/** Resources only owners and admins of the current account reach (the API enforces the same). */
const MANAGER_RESOURCES = new Set(['invitations', 'audit-log', 'settings', 'members.mfa', 'members.edit', 'members.export', 'adoption']);

export const authProvider: AuthProvider = {
  async login({ username, password, challengeId, method, code, trustDevice, passkeyChallengeId, credential }) {
    forgetMemberships();
    if (credential && !challengeId) {
      // A passkey alone (both factors): the options' challengeId comes as passkeyChallengeId.
      const res = await api<{ status: string }>('/auth/passkey/login', { method: 'POST', body: { challengeId: passkeyChallengeId, credential } });
      pendingChallenge = undefined;
      return res.status === 'mfa_setup_required' ? { redirectTo: SETUP_ROUTE } : undefined;
    }
    if (challengeId) {
      const res = await api<{ status: string }>('/auth/login/mfa', {
        method: 'POST',
        body:
          method === 'passkey'
            ? { challengeId, method, passkeyChallengeId, credential, trustDevice: Boolean(trustDevice) }
            : { challengeId, method, code, trustDevice: Boolean(trustDevice) },
      });
      pendingChallenge = undefined;
      return res.status === 'mfa_setup_required' ? { redirectTo: SETUP_ROUTE } : undefined;
    }
    const res = await api<{ status: string; challengeId?: string; methods?: string[] }>('/auth/login', {
      method: 'POST',
      body: { email: username, password },
    });
    if (res.status === 'mfa_required') {
      pendingChallenge = { challengeId: res.challengeId!, methods: res.methods ?? [] };
      return { redirectTo: false };
    }
    if (res.status === 'mfa_setup_required') {
      return { redirectTo: SETUP_ROUTE };
    }
    return undefined;
  },
  async logout() {
    forgetMemberships();
    await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
  },
  async checkAuth() {
    await api('/me');
  },
  async checkError(error: unknown) {
    if (error instanceof ApiError && error.status === 401) {
      throw error;
    }
    if (error instanceof ApiError && error.body.code === 'MFA_SETUP_REQUIRED') {
      // A restricted session may only set up a second factor.
      throw { redirectTo: SETUP_ROUTE, logoutUser: false, message: false };
    }
  },
  async getIdentity() {
    const me = await api<Me>('/me');
    return { id: me.id, fullName: me.displayName, avatar: me.avatarUrl ?? undefined, email: me.email, staffRole: me.staffRole, preferences: me.preferences, deletionScheduledFor: me.deletionScheduledFor ?? null };
  },
  async getPermissions() {
    return (await currentMembership().catch(() => undefined))?.role ?? null;
  },
  async canAccess({ resource }) {
    if (resource === 'support' || resource === 'tickets' || resource === 'staff-users') {
      const me = await api<Me>('/me');
      return me.staffRole !== null;
    }
    if (resource === 'webhooks') {
      // Security webhooks are the owners' (the API answers 403 to admins too).
      return (await currentMembership().catch(() => undefined))?.role === 'owner';
    }
    if (MANAGER_RESOURCES.has(resource)) {
      const m = await currentMembership().catch(() => undefined);
      return isManager(m?.role);
    }
    return true;
  },
};
