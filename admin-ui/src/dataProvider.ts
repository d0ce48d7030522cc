import type { DataProvider, GetListParams, GetListResult, RaRecord } from 'react-admin';

import { currentAccountId } from './account';
import { ApiError, api } from './api';

type Item = RaRecord & Record<string, unknown>;

/** Where each resource lives; account resources are resolved against the account picked in the switcher. */
async function pathOf(resource: string): Promise<string> {
  switch (resource) {
    case 'members':
    case 'invitations':
    case 'audit-log':
      return `/accounts/${await currentAccountId()}/${resource}`;
    case 'sessions':
    case 'login-activity':
    case 'trusted-devices':
      return `/me/${resource}`;
    case 'tickets':
      return '/support/tickets';
    case 'staff-users':
      return '/admin/users';
    default:
      throw new Error(`Unknown resource ${resource}`);
  }
}

const cursors = new Map<string, Array<string | null>>();

function query(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Cursor lists ({items, nextCursor}) paged for react-admin: the cursor of each page is remembered, pages are walked when unknown. */
async function cursorList(path: string, params: GetListParams): Promise<GetListResult> {
  const { page = 1, perPage = 25 } = params.pagination ?? {};
  const filter = Object.fromEntries(Object.entries(params.filter ?? {}).filter(([, v]) => v !== '' && v !== undefined));
  const key = path + JSON.stringify(filter) + perPage;
  const known = cursors.get(key) ?? [null];
  cursors.set(key, known);
  let res: { items: Item[]; nextCursor: string | null } | undefined;
  for (let p = Math.min(known.length, page) - 1; p < page; p++) {
    if (p > 0 && known[p] === null) {
      return { data: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } };
    }
    res = await api(`${path}${query({ ...filter, limit: perPage, cursor: known[p] ?? undefined })}`);
    known[p + 1] = res!.nextCursor;
  }
  return { data: res!.items, pageInfo: { hasNextPage: Boolean(res!.nextCursor), hasPreviousPage: page > 1 } };
}

/** Members speak react-admin's simple-rest dialect: range/sort/filter in, a bare array and Content-Range out. */
async function memberList(path: string, params: GetListParams): Promise<GetListResult> {
  const { page = 1, perPage = 25 } = params.pagination ?? {};
  const { field = 'joinedAt', order = 'ASC' } = params.sort ?? {};
  const filter = Object.fromEntries(Object.entries(params.filter ?? {}).filter(([, v]) => v !== '' && v !== undefined));
  const q = query({ range: [(page - 1) * perPage, page * perPage - 1], sort: [field === 'id' ? 'joinedAt' : field, order], filter });
  const res = await fetch(`/api/v1${path}${q}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new ApiError(res.status, body);
  }
  const total = Number(res.headers.get('Content-Range')?.split('/').pop() ?? body.length);
  return { data: body as Item[], total };
}

export const dataProvider: DataProvider = {
  async getList(resource, params) {
    const path = await pathOf(resource);
    if (resource === 'members') {
      return memberList(path, params);
    }
    if (resource === 'trusted-devices') {
      const items = await api<Item[]>(path);
      return { data: items, total: items.length };
    }
    if (resource === 'sessions') {
      const res = await api<{ items: Item[] }>(path);
      return { data: res.items, total: res.items.length };
    }
    return cursorList(path, params);
  },
  async getOne(resource, params) {
    const { data } = await this.getList(resource, { pagination: { page: 1, perPage: 100 }, sort: { field: 'id', order: 'ASC' }, filter: {} });
    const found = data.find((r) => String(r.id) === String(params.id));
    if (!found) {
      throw new Error('Not found');
    }
    return { data: found };
  },
  async getMany(resource, params) {
    const { data } = await this.getList(resource, { pagination: { page: 1, perPage: 100 }, sort: { field: 'id', order: 'ASC' }, filter: {} });
    return { data: data.filter((r) => params.ids.map(String).includes(String(r.id))) };
  },
  async getManyReference() {
    return { data: [], total: 0 };
  },
  async create(resource, params) {
    const data = await api<Item>(await pathOf(resource), { method: 'POST', body: params.data });
    return { data } as never;
  },
  async update(resource, params) {
    if (resource !== 'members') {
      throw new Error('Not supported');
    }
    const data = await api<Item>(`${await pathOf(resource)}/${params.id}`, { method: 'PATCH', body: { role: params.data.role } });
    return { data } as never;
  },
  async updateMany() {
    throw new Error('Not supported');
  },
  async delete(resource, params) {
    await api(`${await pathOf(resource)}/${params.id}`, { method: 'DELETE' });
    cursors.clear();
    return { data: (params.previousData ?? { id: params.id }) as never };
  },
  async deleteMany(resource, params) {
    for (const id of params.ids) {
      await api(`${await pathOf(resource)}/${id}`, { method: 'DELETE' });
    }
    return { data: params.ids };
  },
};
