import { randomUUID } from 'node:crypto';

import { accountRouteTable } from '../../libs/accounts/src/route-table';
import { AccountApiKeysController } from '../../libs/api-keys/src/api-keys.controller';
import { AccountWebhooksController } from '../../libs/webhooks/src/webhooks.controller';

import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { TestApp, createTestApp } from '../setup/test-app';

/** The reviewed table: the least role for every account-scoped route (API.md "Accounts"). */
const EXPECTED: Record<string, 'owner' | 'admin' | 'member' | 'viewer'> = {
  'GET /api/v1/accounts/{accountId}': 'viewer',
  'PATCH /api/v1/accounts/{accountId}': 'admin',
  'DELETE /api/v1/accounts/{accountId}': 'owner',
  'GET /api/v1/accounts/{accountId}/members': 'viewer',
  'GET /api/v1/accounts/{accountId}/members.csv': 'admin',
  'PATCH /api/v1/accounts/{accountId}/members/{userId}': 'admin',
  'DELETE /api/v1/accounts/{accountId}/members/{userId}': 'admin',
  'POST /api/v1/accounts/{accountId}/members/{userId}/password-reset': 'admin',
  'POST /api/v1/accounts/{accountId}/transfer-ownership': 'owner',
  'GET /api/v1/accounts/{accountId}/audit-log': 'admin',
  'POST /api/v1/accounts/{accountId}/invitations': 'admin',
  'GET /api/v1/accounts/{accountId}/invitations': 'admin',
  'DELETE /api/v1/accounts/{accountId}/invitations/{invitationId}': 'admin',
  'POST /api/v1/accounts/{accountId}/invitations/{invitationId}/resend': 'admin',
  'GET /api/v1/accounts/{accountId}/billing': 'admin',
  'GET /api/v1/accounts/{accountId}/notification-defaults': 'admin',
  'PUT /api/v1/accounts/{accountId}/notification-defaults': 'owner',
  'GET /api/v1/accounts/{accountId}/notification-channels': 'admin',
  'PUT /api/v1/accounts/{accountId}/notification-channels/discord': 'owner',
  'DELETE /api/v1/accounts/{accountId}/notification-channels/discord': 'owner',
  'POST /api/v1/accounts/{accountId}/notification-channels/discord/test': 'owner',
  'GET /api/v1/accounts/{accountId}/webhooks': 'owner',
  'POST /api/v1/accounts/{accountId}/webhooks': 'owner',
  'PATCH /api/v1/accounts/{accountId}/webhooks/{id}': 'owner',
  'DELETE /api/v1/accounts/{accountId}/webhooks/{id}': 'owner',
  'POST /api/v1/accounts/{accountId}/webhooks/{id}/rotate-secret': 'owner',
  'POST /api/v1/accounts/{accountId}/webhooks/{id}/test': 'owner',
  'GET /api/v1/accounts/{accountId}/webhooks/{id}/deliveries': 'owner',
  'GET /api/v1/accounts/{accountId}/api-keys': 'owner',
  'DELETE /api/v1/accounts/{accountId}/api-keys/{id}': 'owner',
};

const CALLERS = ['outsider', 'viewer', 'member', 'admin', 'owner'] as const;
type Caller = (typeof CALLERS)[number];
const RANK: Record<Caller, number> = { outsider: 0, viewer: 1, member: 2, admin: 3, owner: 4 };

type Outcome = 'hidden' | 'forbidden' | 'allowed';

describe('Account roles: every account-scoped route in the OpenAPI document against every role', () => {
  let t: TestApp;
  let team: AccountWithTeam;

  beforeAll(async () => {
    t = await createTestApp();
    team = await createAccountWithTeam(t, 'Matrix');
  });

  afterAll(async () => {
    await t.close();
  });

  it('the decorators, the OpenAPI document and the reviewed table agree', async () => {
    const doc = await t.http().get('/api/docs-json').expect(200);
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      if (!path.startsWith('/api/v1/accounts/{accountId}')) {
        continue;
      }
      for (const method of Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
        documented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(documented.sort()).toEqual(Object.keys(EXPECTED).sort());
    const fromDecorators = Object.fromEntries(
      Object.entries({ ...accountRouteTable(), ...accountRouteTable([AccountWebhooksController, AccountApiKeysController]) })
        .filter(([k]) => k.includes(' /accounts/:accountId'))
        .map(([k, v]) => [k.replace(' /', ' /api/v1/').replace(/:(\w+)/g, '{$1}'), v]),
    );
    expect(fromDecorators).toEqual(EXPECTED);
  });

  it('non-members get 404, too small a role 403, everyone else passes the guard', async () => {
    const doc = await t.http().get('/api/docs-json').expect(200);
    const routes: Array<{ method: string; path: string }> = [];
    for (const [path, ops] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      if (path.startsWith('/api/v1/accounts/{accountId}')) {
        for (const method of Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
          routes.push({ method, path });
        }
      }
    }
    // Deleting the account goes last: the owner is allowed to.
    routes.sort(
      (a, b) =>
        Number(a.method === 'delete' && a.path === '/api/v1/accounts/{accountId}') -
        Number(b.method === 'delete' && b.path === '/api/v1/accounts/{accountId}'),
    );
    const actual: Record<string, Record<Caller, Outcome>> = {};
    const expected: Record<string, Record<Caller, Outcome>> = {};
    for (const { method, path } of routes) {
      const key = `${method.toUpperCase()} ${path}`;
      const url = path.replace('{accountId}', team.accountId).replace(/\{[^}]+\}/g, () => randomUUID());
      actual[key] = {} as Record<Caller, Outcome>;
      expected[key] = {} as Record<Caller, Outcome>;
      for (const caller of CALLERS) {
        const least = EXPECTED[key]!;
        expected[key][caller] = caller === 'outsider' ? 'hidden' : RANK[caller] >= RANK[least] ? 'allowed' : 'forbidden';
        const res = await t.http()[method as 'get'](url).set(team[caller].session.auth).send({});
        actual[key][caller] =
          res.status === 404 && res.body.code === 'ACCOUNT_NOT_FOUND'
            ? 'hidden'
            : res.status === 403 && res.body.code === 'ROLE_TOO_LOW'
              ? 'forbidden'
              : 'allowed';
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(actual).toEqual(expected);
  });
});
