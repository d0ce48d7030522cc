import * as fs from 'node:fs';
import * as path from 'node:path';

import fc from 'fast-check';

import { createUser, signIn, SignedIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

/**
 * Property-based fuzz over every operation of the OpenAPI document: bodies, queries and path
 * parameters built from the schemas, mixed with hostile text (lone surrogates, NUL, controls,
 * bidi overrides, long strings), wrong types, nulls, missing and extra fields, deep nesting and
 * broken JSON; sent anonymously, with a bearer session, as a support lead, and with the session
 * cookie with and without the CSRF token. Every answer must be below 500 and every error problem+json; the
 * harness (t.http()) also fails any answer the document does not describe. A fixed seed and a
 * fixed number of runs per operation keep it repeatable and bounded.
 */

const SEED = 20261130;
const RUNS_PER_OPERATION = 10;

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: { contentType: string; schema?: Schema };
}

const document = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../docs/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema?: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
};

function resolve(schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) {
    s = document.components.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {};
  }
  if (s.allOf?.length) {
    return s.allOf.map(resolve).reduce<Schema>(
      (a, b) => ({
        ...a,
        ...b,
        properties: { ...a.properties, ...b.properties },
        required: [...(a.required ?? []), ...(b.required ?? [])],
      }),
      {},
    );
  }
  return s;
}

const operations: Operation[] = Object.entries(document.paths).flatMap(([p, item]) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      return {
        method,
        path: p,
        parameters: op.parameters ?? [],
        body: contentType ? { contentType, schema: content[contentType].schema } : undefined,
      };
    }),
);

// Hostile text: lone surrogates (both halves), NUL, C0 and C1 controls, bidi overrides and
// isolates, zero-width and line separators, a long string, look-alikes of real values.
const HOSTILE = [
  '\ud800@x.test',
  'a\udc00b',
  '\u0000',
  'nul\u0000byte@example.com',
  '\u0007\u001b[31m',
  'c1\u0085\u009b',
  '\u202Eevil\u202C',
  '\u2066iso\u2069',
  'zero\u200Bwidth\u2028line',
  '\r\n\t',
  '',
  ' ',
  'x'.repeat(10_000),
  "'; DROP TABLE users; --",
  '{{constructor.constructor("return process")()}}',
  '../../etc/passwd',
  '__proto__',
  '+14155550100',
  'robin@example.com',
  '00000000-0000-0000-0000-000000000000',
];

const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), anyUtf16, fc.string({ maxLength: 40 }));
const wrongType = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

function validString(s: Schema): fc.Arbitrary<string> {
  if (s.enum?.length) {
    return fc.constantFrom(...s.enum.map(String));
  }
  if (s.format === 'email') {
    return fc.emailAddress();
  }
  if (s.format === 'uuid') {
    return fc.uuid();
  }
  if (s.format === 'date-time') {
    return fc.date({ min: new Date(2000, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true }).map((d) => d.toISOString());
  }
  return typeof s.example === 'string' ? fc.oneof(fc.constant(s.example), fc.string({ maxLength: 30 })) : fc.string({ maxLength: 30 });
}

/** A value for a schema: mostly well-formed, often hostile, sometimes of the wrong type. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const variant = s.oneOf ?? s.anyOf;
  if (variant?.length) {
    return fc.oneof(...variant.map((v) => valueFor(v, depth)));
  }
  let good: fc.Arbitrary<unknown>;
  if (s.type === 'object' || s.properties) {
    good = depth > 3 ? fc.constant({}) : objectFor(s, depth);
  } else if (s.type === 'array') {
    good = fc.array(valueFor(s.items, depth + 1), { maxLength: 3 });
  } else if (s.type === 'integer' || s.type === 'number') {
    good = fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
  } else if (s.type === 'boolean') {
    good = fc.boolean();
  } else {
    good = validString(s);
  }
  return fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: hostileString, weight: 3 }, { arbitrary: wrongType, weight: 1 });
}

function objectFor(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  const entries = props.map(([name, prop]) =>
    fc.option(valueFor(prop, depth + 1), { freq: 5, nil: undefined }).map((v) => [name, v] as const),
  );
  return fc
    .tuple(fc.tuple(...entries), fc.option(fc.tuple(hostileString, hostileString), { freq: 4, nil: undefined }))
    .map(([values, extra]) => {
      const out: Record<string, unknown> = {};
      for (const [name, v] of values) {
        if (v !== undefined) {
          out[name] = v;
        }
      }
      if (extra) {
        out[extra[0]] = extra[1];
      }
      return out;
    });
}

const DEEP_OBJECT = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
const DEEP_ARRAY = '['.repeat(5000) + ']'.repeat(5000);

/** The raw body text: JSON from the schema (lone surrogates survive as \ud800 escapes), or a broken one. */
function bodyFor(op: Operation): fc.Arbitrary<string | undefined> {
  if (!op.body) {
    return fc.oneof(
      fc.constant(undefined),
      fc.constant('{}'),
      hostileString.map((s) => JSON.stringify({ [s]: s })),
    );
  }
  return fc.oneof(
    { arbitrary: valueFor(op.body.schema).map((v) => JSON.stringify(v) ?? 'null'), weight: 12 },
    { arbitrary: fc.constantFrom(DEEP_OBJECT, DEEP_ARRAY, '{"a":', 'null', '[]', '"text"', '{"__proto__":{"isAdmin":true}}'), weight: 2 },
    { arbitrary: fc.constant(JSON.stringify({ big: 'x'.repeat(1_000_000) })), weight: 1 },
  );
}

/** Percent-encoded text for a URL: well-formed strings encoded, plus raw invalid encodings. */
const RAW_SEGMENTS = ['%00', '%ED%A0%80', '%FF%FE', '%C0%AF', '%E2%80%AE', '..%2F..', '%25', '%0D%0A'];
function urlText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    {
      arbitrary: value
        .map((v) => Buffer.from(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''), 'utf8').toString('latin1'))
        .map(percent),
      weight: 5,
    },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 2 },
  );
}

/** Percent-encodes every byte (given as latin1 chars) except unreserved ASCII. */
function percent(bytes: string): string {
  let out = '';
  for (const ch of bytes.slice(0, 2000)) {
    out += /[A-Za-z0-9._~-]/.test(ch) ? ch : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

type AuthMode = 'none' | 'bearer' | 'cookie+csrf' | 'cookie-no-csrf' | 'staff';

interface Case {
  auth: AuthMode;
  pathValues: Record<string, string>;
  query: [string, string][];
  body: string | undefined;
}

function caseFor(op: Operation, known: () => Record<string, string>): fc.Arbitrary<Case> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(
    ...pathParams.map((p) =>
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: urlText(valueFor(p.schema)), weight: 2 }),
    ),
  );
  const queryArb = fc.tuple(
    ...queryParams.map((p) =>
      fc.option(
        urlText(valueFor(p.schema)).map((v) => [p.name, v] as [string, string]),
        { freq: 2, nil: undefined },
      ),
    ),
    fc.option(fc.tuple(urlText(hostileString), urlText(hostileString)), { freq: 5, nil: undefined }),
  );
  return fc
    .record({
      auth: fc.constantFrom<AuthMode>('none', 'bearer', 'bearer', 'cookie+csrf', 'cookie-no-csrf', 'staff'),
      pathRaw: pathArb,
      queryRaw: queryArb,
      body: bodyFor(op),
    })
    .map(({ auth, pathRaw, queryRaw, body }) => {
      const pathValues: Record<string, string> = {};
      pathParams.forEach((p, i) => {
        // Undefined: the caller's own resource (its account, itself), so guards let the fuzz in deeper.
        pathValues[p.name] = (pathRaw[i] as string | undefined) ?? known()[p.name] ?? '00000000-0000-4000-8000-000000000000';
      });
      const query = (queryRaw as ([string, string] | undefined)[]).filter((q): q is [string, string] => q !== undefined);
      return { auth, pathValues, query, body };
    });
}

describe('Fuzz: no input makes a 5xx, every error is problem+json', () => {
  let t: TestApp;
  let session: SignedIn;
  let staff: SignedIn;
  let known: Record<string, string> = {};
  const seen = new Map<string, Set<number>>();

  async function freshSession() {
    const user = await createUser(t);
    session = await signIn(t, user.email);
    const account = await t.http().post('/api/v1/accounts').set(session.auth).send({ name: 'Fuzz Account' }).expect(201);
    known = { accountId: account.body.id, userId: user.id, id: user.id, sessionId: session.sessionId };
  }

  async function freshStaff() {
    const lead = await createUser(t, { staffRole: 'support_lead' });
    staff = await signIn(t, lead.email);
  }

  /** The fuzz may sign itself out (logout, revoke-all, delete): sign in again as someone new. */
  async function ensureSession() {
    if ((await t.http().get('/api/v1/me').set(session.auth)).status !== 200) {
      await freshSession();
    }
    if ((await t.http().get('/api/v1/me').set(staff.auth)).status !== 200) {
      await freshStaff();
    }
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { LOGIN_IP_LIMIT: '100000000' } });
    await freshSession();
    await freshStaff();
  });

  afterAll(async () => {
    await t.close();
  });

  it('covers every operation of the document', () => {
    expect(operations.length).toBeGreaterThan(60);
  });

  it.each(operations.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))('%s', async (_name, op) => {
    await ensureSession();
    await fc.assert(
      fc.asyncProperty(
        caseFor(op, () => known),
        async (c) => {
          const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => c.pathValues[name]);
          const qs = c.query.map(([k, v]) => `${k}=${v}`).join('&');
          let req = (t.http() as unknown as Record<string, (u: string) => import('supertest').Test>)[op.method](qs ? `${url}?${qs}` : url);
          if (c.auth === 'bearer') {
            req = req.set(session.auth);
          } else if (c.auth === 'staff') {
            req = req.set(staff.auth);
          } else if (c.auth !== 'none') {
            req = req.set('Cookie', `lk_session=${session.token}; lk_csrf=${session.csrfToken}`);
            if (c.auth === 'cookie+csrf') {
              req = req.set('X-CSRF-Token', session.csrfToken);
            }
          }
          if (c.body !== undefined) {
            req = req.set('Content-Type', 'application/json').send(c.body);
          }
          const res = await req;
          const statuses = seen.get(`${op.method} ${op.path}`) ?? new Set<number>();
          statuses.add(res.status);
          seen.set(`${op.method} ${op.path}`, statuses);
          if (res.status >= 500) {
            throw new Error(`${op.method.toUpperCase()} ${url} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
          }
          if (res.status >= 400) {
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(res.body).toMatchObject({ status: res.status, code: expect.any(String) });
          }
        },
      ),
      { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
    );
  });

  it('got past validation somewhere: the fuzz reached handlers, not only 400s', () => {
    const successes = [...seen.values()].filter((s) => [...s].some((status) => status < 300)).length;
    expect(successes).toBeGreaterThan(15);
  });
});
