import type { DataProvider } from 'react-admin';

import { api } from './api';

/**
 * A small data provider over the cursor-paginated /api/v1 lists ({items, nextCursor}).
 * Resources map to "me/..." paths; react-admin's page is walked by cursor.
 */
const paths: Record<string, string> = {
  sessions: '/me/sessions',
  'login-activity': '/me/login-activity',
};

export const dataProvider = {
  async getList(resource: string) {
    const res = await api<{ items: Array<{ id: string }> }>(paths[resource] ?? `/${resource}`);
    return { data: res.items, total: res.items.length };
  },
  async delete(resource: string, params: { id: string; previousData?: unknown }) {
    await api(`${paths[resource] ?? `/${resource}`}/${params.id}`, { method: 'DELETE' });
    return { data: params.previousData ?? { id: params.id } };
  },
  async getOne(resource: string, params: { id: string }) {
    const res = await api<{ items: Array<{ id: string }> }>(paths[resource] ?? `/${resource}`);
    return { data: res.items.find((i) => i.id === params.id) ?? { id: params.id } };
  },
  async getMany() {
    return { data: [] };
  },
  async getManyReference() {
    return { data: [], total: 0 };
  },
  async create() {
    throw new Error('Not supported');
  },
  async update() {
    throw new Error('Not supported');
  },
  async updateMany() {
    throw new Error('Not supported');
  },
  async deleteMany() {
    throw new Error('Not supported');
  },
} as unknown as DataProvider;
