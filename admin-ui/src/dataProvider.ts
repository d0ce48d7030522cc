import type { DataProvider, GetListParams, GetListResult, RaRecord } from 'react-admin';

import { currentAccountId } from './account';
import { ApiPath, ApiResult, Schemas, api, apiResponse } from './api';

type Item = RaRecord & Record<string, unknown>;

/** The API list behind each react-admin resource (typed paths: a path the API lacks does not compile). */
const LISTS = {
  members: '/accounts/{accountId}/members',
  invitations: '/accounts/{accountId}/invitations',
  'audit-log': '/accounts/{accountId}/audit-log',
  sessions: '/me/sessions',
  'login-activity': '/me/login-activity',
  'trusted-devices': '/me/trusted-devices',
  tickets: '/support/tickets',
  'staff-users': '/admin/users',
} as const satisfies Record<string, ApiPath<'get'>>;

/** Lists that answer a cursor page; the compiler checks each really answers {items, nextCursor}. */
type CursorPath = (typeof LISTS)['invitations' | 'audit-log' | 'login-activity' | 'tickets' | 'staff-users'];
type CursorPage = { items: unknown[]; nextCursor: string | null };
const cursorPaths: { [P in CursorPath]: ApiResult<'get', P> extends CursorPage ? true : never } = {
  '/accounts/{accountId}/invitations': true,
  '/accounts/{accountId}/audit-log': true,
  '/me/login-activity': true,
  '/support/tickets': true,
  '/admin/users': true,
};

type Resource = keyof typeof LISTS;

function resourceOf(name: string): Resource {
  if (!(name in LISTS)) {
    throw new Error(`Unknown resource ${name}`);
  }
  return name as Resource;
}

/** Account resources are resolved against the account picked in the switcher. */
async function paramsFor(path: string): Promise<{ accountId: string }> {
  return path.includes('{accountId}') ? { accountId: await currentAccountId() } : ({} as { accountId: string });
}

const cursors = new Map<string, Array<string | null>>();

function activeFilter(params: GetListParams): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params.filter ?? {}).filter(([, v]) => v !== '' && v !== undefined));
}

/** Cursor lists ({items, nextCursor}) paged for react-admin: the cursor of each page is remembered, pages are walked when unknown. */
async function cursorList(path: CursorPath, params: GetListParams): Promise<GetListResult> {
  const { page = 1, perPage = 25 } = params.pagination ?? {};
  const filter = activeFilter(params);
  const pathParams = await paramsFor(path);
  const key = path + JSON.stringify(pathParams) + JSON.stringify(filter) + perPage;
  const known = cursors.get(key) ?? [null];
  cursors.set(key, known);
  let res: CursorPage | undefined;
  for (let p = Math.min(known.length, page) - 1; p < page; p++) {
    if (p > 0 && known[p] === null) {
      return { data: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } };
    }
    // Filters are the resource's own query parameters (react-admin passes them through by name).
    const query = { ...filter, limit: perPage, cursor: known[p] ?? undefined } as never;
    res = (await apiResponse('get', path, { params: pathParams, query } as never)).data as CursorPage;
    known[p + 1] = res.nextCursor;
  }
  return { data: res!.items as Item[], pageInfo: { hasNextPage: Boolean(res!.nextCursor), hasPreviousPage: page > 1 } };
}

/** Members speak react-admin's simple-rest dialect: range/sort/filter in, a bare array and Content-Range out. */
async function memberList(params: GetListParams): Promise<GetListResult> {
  const { page = 1, perPage = 25 } = params.pagination ?? {};
  const { field = 'joinedAt', order = 'ASC' } = params.sort ?? {};
  const { data, response } = await apiResponse('get', LISTS.members, {
    params: { accountId: await currentAccountId() },
    query: {
      range: JSON.stringify([(page - 1) * perPage, page * perPage - 1]),
      sort: JSON.stringify([field === 'id' ? 'joinedAt' : field, order]),
      filter: JSON.stringify(activeFilter(params)),
    },
  });
  const members = Array.isArray(data) ? data : data.items;
  const total = Number(response.headers.get('Content-Range')?.split('/').pop() ?? members.length);
  return { data: members, total };
}

export const dataProvider: DataProvider = {
  async getList(name, params) {
    const resource = resourceOf(name);
    const path = LISTS[resource];
    switch (path) {
      case LISTS.members:
        return memberList(params);
      case LISTS['trusted-devices']: {
        const items = await api.get(path);
        return { data: items, total: items.length };
      }
      case LISTS.sessions: {
        const { items } = await api.get(path);
        return { data: items, total: items.length };
      }
      default:
        if (!(path in cursorPaths)) {
          throw new Error(`No list for ${name}`);
        }
        return cursorList(path, params);
    }
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
    if (resource !== 'invitations') {
      throw new Error('Not supported');
    }
    const data = await api.post('/accounts/{accountId}/invitations', {
      params: { accountId: await currentAccountId() },
      body: params.data as Schemas['CreateInvitationDto'],
    });
    cursors.clear();
    return { data } as never;
  },
  async update(resource, params) {
    if (resource !== 'members') {
      throw new Error('Not supported');
    }
    const data = await api.patch('/accounts/{accountId}/members/{userId}', {
      params: { accountId: await currentAccountId(), userId: String(params.id) },
      body: { role: params.data.role },
    });
    return { data } as never;
  },
  async updateMany() {
    throw new Error('Not supported');
  },
  async delete(resource, params) {
    await remove(resourceOf(resource), String(params.id));
    cursors.clear();
    return { data: (params.previousData ?? { id: params.id }) as never };
  },
  async deleteMany(resource, params) {
    for (const id of params.ids) {
      await remove(resourceOf(resource), String(id));
    }
    cursors.clear();
    return { data: params.ids };
  },
};

async function remove(resource: Resource, id: string): Promise<void> {
  switch (resource) {
    case 'members':
      return api.delete('/accounts/{accountId}/members/{userId}', { params: { accountId: await currentAccountId(), userId: id } });
    case 'invitations':
      return api.delete('/accounts/{accountId}/invitations/{invitationId}', {
        params: { accountId: await currentAccountId(), invitationId: id },
      });
    case 'sessions':
      return api.delete('/me/sessions/{sessionId}', { params: { sessionId: id } });
    case 'trusted-devices':
      return api.delete('/me/trusted-devices/{id}', { params: { id } }).then(() => undefined);
    default:
      throw new Error(`Cannot delete ${resource}`);
  }
}
