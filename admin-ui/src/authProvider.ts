import type { AuthProvider } from 'react-admin';

import { ApiError, api } from './api';

export interface Me {
  id: string;
  email: string;
  displayName: string;
  avatarUrl: string | null;
  staffRole: 'support' | 'support_lead' | null;
}

/** A pending second step, kept between the password form and the code form. */
export let pendingChallenge: { challengeId: string; methods: string[] } | undefined;

export const authProvider: AuthProvider = {
  async login({ username, password, challengeId, method, code, trustDevice }) {
    if (challengeId) {
      await api('/auth/login/mfa', { method: 'POST', body: { challengeId, method, code, trustDevice: Boolean(trustDevice) } });
      pendingChallenge = undefined;
      return;
    }
    const res = await api<{ status: string; challengeId?: string; methods?: string[] }>('/auth/login', {
      method: 'POST',
      body: { email: username, password },
    });
    if (res.status === 'mfa_required') {
      pendingChallenge = { challengeId: res.challengeId!, methods: res.methods ?? [] };
      return { redirectTo: false };
    }
    return undefined;
  },
  async logout() {
    await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
  },
  async checkAuth() {
    await api('/me');
  },
  async checkError(error: unknown) {
    if (error instanceof ApiError && error.status === 401) {
      throw error;
    }
  },
  async getIdentity() {
    const me = await api<Me>('/me');
    return { id: me.id, fullName: me.displayName, avatar: me.avatarUrl ?? undefined, email: me.email, staffRole: me.staffRole };
  },
  async canAccess({ resource }) {
    if (resource === 'support') {
      const me = await api<Me>('/me');
      return me.staffRole !== null;
    }
    return true;
  },
};
