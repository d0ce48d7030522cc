import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { lintOpenApiDocument } from '@latchkey/core';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';

import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';

import { Exchange, ResponseContract, checkResponsesAgainst, drainViolations } from '../setup/openapi-check';
import { TestApp, checkedAgent, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = 'a-service-token-of-at-least-32-characters';
const WRITES = ['post', 'put', 'patch', 'delete'] as const;

function operations(doc: OpenAPIObject): Array<{ method: string; path: string; op: OperationObject }> {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((method) =>
      item[method] ? [{ method, path: p, op: item[method]! }] : [],
    ),
  );
}

describe('The OpenAPI document is the truth', () => {
  let t: TestApp;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    t = await createTestApp({ env: { SERVICE_TOKEN }, workers: false });
    doc = (await t.http().get('/api/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is a valid OpenAPI document', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('documents every route with the status it answers, a body schema and its path parameters', () => {
    expect(lintOpenApiDocument(t.app, doc)).toEqual([]);
    const ids = operations(doc).map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents sessions as opaque bearer tokens or the cookie with the CSRF header, and the service token apart', () => {
    const schemes = doc.components!.securitySchemes!;
    expect(schemes.sessionToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(schemes.serviceToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect([schemes.sessionToken, schemes.serviceToken].map((s) => 'bearerFormat' in s)).toEqual([false, false]);
    expect(schemes.sessionCookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'lk_session' }));
    expect(schemes.csrfToken).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' }));
    const byName = Object.fromEntries(operations(doc).map((o) => [`${o.method.toUpperCase()} ${o.path}`, o.op.security]));
    // API keys (issue 15) only where a route opted in: the profile yes, the password change never.
    expect(byName['PATCH /api/v1/me']).toEqual([{ sessionToken: [] }, { sessionCookie: [], csrfToken: [] }, { apiKey: [] }]);
    expect(byName['GET /api/v1/me']).toEqual([{ sessionToken: [] }, { sessionCookie: [] }, { apiKey: [] }]);
    expect(byName['POST /api/v1/me/password']).toEqual([{ sessionToken: [] }, { sessionCookie: [], csrfToken: [] }]);
    expect(byName['POST /api/v1/auth/login']).toEqual([]);
    expect(byName['POST /api/v1/events']).toEqual([{ serviceToken: [] }]);
    expect(byName['POST /api/v1/invitations/{token}/accept']).toEqual(expect.arrayContaining([{}, { sessionToken: [] }]));
  });

  it('documents every error status as problem+json, and both shapes of the members list with their headers', () => {
    for (const { method, path: p, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && p !== '/ready') {
          expect([method, p, status, Object.keys((response as ResponseObject).content ?? {})]).toEqual([
            method,
            p,
            status,
            ['application/problem+json'],
          ]);
        }
      }
    }
    const members = doc.paths['/api/v1/accounts/{accountId}/members'].get!.responses['200'] as ResponseObject;
    expect(Object.keys(members.headers ?? {})).toEqual(['Content-Range', 'X-Total-Count']);
    expect(JSON.stringify(members.content)).toContain('MemberPageDto');
    expect(Object.keys((doc.paths['/api/v1/accounts/{accountId}/members.csv'].get!.responses['200'] as ResponseObject).content!)).toEqual([
      'text/csv',
    ]);
  });

  it('authenticates before it validates: a caller without credentials and with a bad body gets 401 on every guarded write', async () => {
    const checked: string[] = [];
    for (const { method, path: p, op } of operations(doc)) {
      if (!(WRITES as readonly string[]).includes(method) || !op.security?.length || op.security.some((s) => Object.keys(s).length === 0)) {
        continue;
      }
      const url = p.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const agent = t.http();
      const res = await agent[method as 'post'](url).send({ unexpected: ['field'], email: 42 });
      expect([method, p, res.status]).toEqual([method, p, 401]);
      checked.push(`${method} ${p}`);
    }
    expect(checked).toEqual(expect.arrayContaining(['post /api/v1/events', 'patch /api/v1/me', 'post /api/v1/accounts']));
  });

  it('the checked-in docs/openapi.json and admin-ui/src/api-types.ts are what the code generates', () => {
    const root = path.resolve(__dirname, '../..');
    expect(doc).toEqual(JSON.parse(fs.readFileSync(path.join(root, 'docs/openapi.json'), 'utf8')));
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/openapi.js'), '--check'], { cwd: root, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });
});

describe('The response check of the test harness', () => {
  let contract: ResponseContract;
  const exchange = (over: Partial<Exchange>): Exchange => ({
    method: 'GET',
    url: '/api/v1/me',
    route: '/api/v1/me',
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: '{}',
    ...over,
  });
  let user: Record<string, unknown>;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    const t = await createTestApp({ workers: false });
    try {
      doc = (await t.http().get('/api/docs-json').expect(200)).body;
      contract = new ResponseContract(doc);
    } finally {
      await t.close();
    }
    user = {
      id: '6f1c1f4e-8f6f-4f57-9a55-3f0a4c1b2d3e',
      email: 'ada@example.com',
      emailVerified: true,
      displayName: 'Ada',
      phone: null,
      timezone: 'UTC',
      language: 'en',
      company: null,
      bio: null,
      preferences: { theme: 'system', compactMode: false, dateFormat: 'YYYY-MM-DD', timeFormat: '24h' },
      avatarUrl: null,
      staffRole: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      deletionScheduledFor: null,
    };
  });

  it('accepts an answer the document describes, nulls included', () => {
    expect(contract.check(exchange({ body: JSON.stringify(user) }))).toBeUndefined();
  });

  it('refuses a field the schema does not declare, naming it', () => {
    expect(contract.check(exchange({ body: JSON.stringify({ ...user, passwordHash: 'x' }) }))).toMatch(
      /GET \/api\/v1\/me \(UsersController_me\) answered 200 with a body that does not match its schema: .*passwordHash/,
    );
  });

  it('refuses a missing required field and a wrong type', () => {
    const { email: _email, ...noEmail } = user;
    expect(contract.check(exchange({ body: JSON.stringify(noEmail) }))).toMatch(/must have required property 'email'/);
    expect(contract.check(exchange({ body: JSON.stringify({ ...user, phone: 7 }) }))).toMatch(/\/phone must be string,null/);
  });

  it('refuses a status the operation does not list, and an error that is not problem+json', () => {
    expect(contract.check(exchange({ status: 409 }))).toMatch(/answered 409, a status the OpenAPI document does not list/);
    expect(contract.check(exchange({ status: 401, body: '{"message":"no"}' }))).toMatch(
      /as application\/json, but the OpenAPI document has application\/problem\+json/,
    );
  });

  it('refuses a body on a 204 and an undocumented Content-Range header, and checks only the type of a streamed CSV', () => {
    const route = '/api/v1/me/sessions/:sessionId';
    expect(contract.check(exchange({ method: 'DELETE', route, status: 204, headers: {}, body: null }))).toBeUndefined();
    expect(contract.check(exchange({ method: 'DELETE', route, status: 204, body: '{}' }))).toMatch(/describes none/);
    expect(
      contract.check(exchange({ headers: { 'content-type': 'application/json', 'content-range': 'x 0-0/1' }, body: JSON.stringify(user) })),
    ).toMatch(/content-range header the OpenAPI document does not describe/);
    const csv = { method: 'GET', route: '/api/v1/accounts/:accountId/members.csv', headers: { 'content-type': 'text/csv; charset=utf-8' } };
    expect(contract.check(exchange({ ...csv, body: undefined }))).toBeUndefined();
    expect(contract.check(exchange({ ...csv, headers: { 'content-type': 'application/json' } }))).toMatch(
      /but the OpenAPI document has text\/csv/,
    );
  });

  it('fails the request that saw an undocumented answer, and keeps the others for the end of the test', async () => {
    const server = new FastifyAdapter().getInstance();
    // As the app does (app.factory.ts): the request id is how a supertest answer finds its violation.
    server.addHook('onRequest', (req, reply, done) => {
      void reply.header('X-Request-Id', req.id);
      done();
    });
    checkResponsesAgainst(server, doc);
    server.get('/api/v1/me', (_req, reply) => void reply.send({ ...user, passwordHash: 'leaked' }));
    await server.ready();
    try {
      await expect(checkedAgent(request(server.server)).get('/api/v1/me')).rejects.toThrow(/passwordHash/);
      expect(drainViolations()).toEqual([]);
      await server.inject({ method: 'GET', url: '/api/v1/me' });
      expect(drainViolations()).toEqual([
        expect.stringMatching(/UsersController_me\) answered 200 with a body that does not match its schema/),
      ]);
    } finally {
      await server.close();
    }
  });

  it('requires every /api/v1 route to be in the document, and leaves other routes alone', () => {
    expect(contract.check(exchange({ route: '/api/v1/secret-route' }))).toMatch(/not in the OpenAPI document/);
    expect(contract.check(exchange({ route: '/admin/*' }))).toBeUndefined();
    expect(contract.check(exchange({ route: undefined, url: '/api/v1/nothing-here', status: 404 }))).toBeUndefined();
  });
});
