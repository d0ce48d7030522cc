import {
  ALLOW_RESTRICTED,
  API_KEY_ACCESS,
  ApiKeyPrincipal,
  IS_PUBLIC,
  SERVICE_SCOPES_METADATA,
  ServicePrincipal,
  SessionOnly,
} from '@latchkey/core';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import { csrfTokenFor } from '@latchkey/sessions';

import { SessionAuthGuard, verifierFor } from './session-auth.guard';

const KEY = 'lk_pat_' + 'a'.repeat(43);

function keyPrincipal(grant: Partial<ApiKeyPrincipal['apiKey']> = {}): ApiKeyPrincipal {
  return {
    kind: 'api_key',
    userId: 'u1',
    email: 'u@example.com',
    via: 'bearer',
    sessionId: null,
    staffRole: null,
    restriction: null,
    reauthenticatedAt: null,
    apiKey: { keyId: 'k1', accountId: null, roleCap: null, scopes: ['read'], ...grant },
  };
}

function setup(opts: {
  method?: string;
  keyAccess?: boolean;
  sessionOnlyHandler?: boolean;
  isPublic?: boolean;
  principal?: ApiKeyPrincipal;
  params?: Record<string, string>;
  token?: string;
  /** The route is a service-API route needing these scopes (@ServiceApi). */
  serviceScopes?: string[];
  service?: ServicePrincipal;
  /** What sessions.authenticate answers (default: a promise of undefined, as for an unknown token). */
  session?: () => unknown;
  /** The token comes in the lk_session cookie, with this X-CSRF-Token header when given. */
  cookie?: { csrf?: string };
  allowRestricted?: boolean;
}) {
  const handler = () => undefined;
  class Controller {}
  if (opts.keyAccess !== undefined) {
    Reflect.defineMetadata(API_KEY_ACCESS, opts.keyAccess, Controller);
  }
  if (opts.sessionOnlyHandler) {
    SessionOnly()(handler);
  }
  if (opts.isPublic) {
    Reflect.defineMetadata(IS_PUBLIC, true, handler);
  }
  if (opts.serviceScopes) {
    Reflect.defineMetadata(SERVICE_SCOPES_METADATA, opts.serviceScopes, handler);
  }
  if (opts.allowRestricted) {
    Reflect.defineMetadata(ALLOW_RESTRICTED, true, handler);
  }
  const token = opts.token ?? KEY;
  const req: Record<string, unknown> = {
    method: opts.method ?? 'GET',
    headers: opts.cookie ? (opts.cookie.csrf ? { 'x-csrf-token': opts.cookie.csrf } : {}) : { authorization: `Bearer ${token}` },
    cookies: opts.cookie ? { lk_session: token } : {},
    params: opts.params ?? {},
  };
  const ctx = new ExecutionContextHost([req, {}]);
  ctx.setType('http');
  jest.spyOn(ctx, 'getHandler').mockReturnValue(handler);
  jest.spyOn(ctx, 'getClass').mockReturnValue(Controller);
  const sessions = { authenticate: jest.fn(opts.session ?? (async () => undefined)) };
  const apiKeys = { authenticate: jest.fn(async () => opts.principal), consume: jest.fn(async () => undefined) };
  const config = { http: { cookiePrefix: '' } };
  const services = {
    authenticate: jest.fn(async () => {
      if (!opts.service) {
        throw Object.assign(new Error('wrong service token'), { code: 'SERVICE_TOKEN_INVALID' });
      }
      return opts.service;
    }),
  };
  const sut = new SessionAuthGuard(new Reflector(), sessions as never, config as never, apiKeys as never, services as never);
  return { sut, ctx, req, sessions, apiKeys, services };
}

/** As Nest's guard consumer calls it: a refusal thrown at once and one from a promise both reject. */
async function activate(sut: SessionAuthGuard, ctx: ExecutionContextHost): Promise<boolean> {
  return sut.canActivate(ctx);
}

describe('SessionAuthGuard with API keys', () => {
  it('admits a key on an opted-in route, counts the use and puts the principal on the request', async () => {
    const { sut, ctx, req, apiKeys, sessions } = setup({ keyAccess: true, principal: keyPrincipal() });
    await expect(activate(sut, ctx)).resolves.toBe(true);
    expect(req.principal).toMatchObject({ kind: 'api_key', userId: 'u1' });
    expect(apiKeys.consume).toHaveBeenCalledTimes(1);
    expect(sessions.authenticate).not.toHaveBeenCalled();
  });

  it('refuses a key on a route that did not opt in, and where the handler says @SessionOnly()', async () => {
    const unmarked = setup({ principal: keyPrincipal({ scopes: ['read', 'write'] }) });
    await expect(activate(unmarked.sut, unmarked.ctx)).rejects.toMatchObject({ code: 'API_KEY_SESSION_REQUIRED', category: 'FORBIDDEN' });
    const overridden = setup({ keyAccess: true, sessionOnlyHandler: true, principal: keyPrincipal() });
    await expect(activate(overridden.sut, overridden.ctx)).rejects.toMatchObject({ code: 'API_KEY_SESSION_REQUIRED' });
    expect(overridden.apiKeys.consume).not.toHaveBeenCalled();
  });

  it('refuses a write with a read key, and a bound key outside account routes', async () => {
    const write = setup({ keyAccess: true, method: 'PATCH', principal: keyPrincipal() });
    await expect(activate(write.sut, write.ctx)).rejects.toMatchObject({ code: 'API_KEY_SCOPE_MISSING' });
    const bound = setup({ keyAccess: true, principal: keyPrincipal({ accountId: 'a1', roleCap: 'viewer' }) });
    await expect(activate(bound.sut, bound.ctx)).rejects.toMatchObject({ code: 'API_KEY_ACCOUNT_BOUND' });
    const inAccount = setup({
      keyAccess: true,
      params: { accountId: 'a1' },
      principal: keyPrincipal({ accountId: 'a1', roleCap: 'viewer' }),
    });
    await expect(activate(inAccount.sut, inAccount.ctx)).resolves.toBe(true);
  });

  it('answers 401 for an unknown key, and treats a key on a public route as no credential', async () => {
    const unknown = setup({ keyAccess: true });
    await expect(activate(unknown.sut, unknown.ctx)).rejects.toMatchObject({ code: 'API_KEY_INVALID', category: 'UNAUTHENTICATED' });
    const open = setup({ isPublic: true, principal: keyPrincipal() });
    await expect(activate(open.sut, open.ctx)).resolves.toBe(true);
    expect(open.req.principal).toBeUndefined();
    expect(open.apiKeys.authenticate).not.toHaveBeenCalled();
  });

  it('still sends session tokens to the sessions service', async () => {
    const { sut, ctx, sessions, apiKeys } = setup({ token: 'lks_something' });
    await expect(activate(sut, ctx)).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    expect(sessions.authenticate).toHaveBeenCalledWith('lks_something', 'bearer');
    expect(apiKeys.authenticate).not.toHaveBeenCalled();
  });
});

const SERVICE_TOKEN = 'lksv_' + 'b'.repeat(43);
const service = (scopes: string[]): ServicePrincipal => ({ kind: 'service', via: 'bearer', credentialId: 'c1', name: 'billing', scopes });

describe('SessionAuthGuard with service credentials (one authentication step for every credential)', () => {
  it('picks the verifier by the token prefix', () => {
    expect([verifierFor(KEY), verifierFor(SERVICE_TOKEN), verifierFor('lks_x'), verifierFor('anything')]).toEqual([
      'api_key',
      'service',
      'session',
      'session',
    ]);
  });

  it('admits a service credential holding the route scope as a service principal, without a session or key lookup', async () => {
    const { sut, ctx, req, sessions, apiKeys, services } = setup({
      isPublic: true,
      serviceScopes: ['billing:write'],
      token: SERVICE_TOKEN,
      service: service(['billing:write']),
    });
    await expect(activate(sut, ctx)).resolves.toBe(true);
    expect(req.principal).toEqual(service(['billing:write']));
    expect(services.authenticate).toHaveBeenCalledWith(`Bearer ${SERVICE_TOKEN}`, undefined);
    expect(sessions.authenticate).not.toHaveBeenCalled();
    expect(apiKeys.authenticate).not.toHaveBeenCalled();
  });

  it('refuses a credential without the route scope (403), and sends any token on a service route to the service verifier', async () => {
    const lacking = setup({ isPublic: true, serviceScopes: ['billing:write'], token: SERVICE_TOKEN, service: service(['events:publish']) });
    await expect(activate(lacking.sut, lacking.ctx)).rejects.toMatchObject({ code: 'SERVICE_SCOPE_MISSING', category: 'FORBIDDEN' });
    expect(lacking.req.principal).toBeUndefined();
    const key = setup({ isPublic: true, serviceScopes: ['billing:write'], principal: keyPrincipal() });
    await expect(activate(key.sut, key.ctx)).rejects.toMatchObject({ code: 'SERVICE_TOKEN_INVALID' });
    expect(key.apiKeys.authenticate).not.toHaveBeenCalled();
  });

  it('a service credential opens no other route: refused as an invalid session, anonymous on a public one', async () => {
    const closed = setup({ token: SERVICE_TOKEN, service: service(['billing:write']) });
    await expect(activate(closed.sut, closed.ctx)).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    expect(closed.services.authenticate).not.toHaveBeenCalled();
    expect(closed.sessions.authenticate).not.toHaveBeenCalled();
    const open = setup({ isPublic: true, token: SERVICE_TOKEN, service: service(['billing:write']) });
    await expect(activate(open.sut, open.ctx)).resolves.toBe(true);
    expect(open.req.principal).toBeUndefined();
  });
});

describe('SessionAuthGuard with sessions', () => {
  const SESSION_TOKEN = 'lks_session-token';
  const held = (restriction: string | null = null) => ({
    kind: 'session',
    userId: 'u1',
    sessionId: 's1',
    email: 'u@example.com',
    staffRole: null,
    restriction,
    reauthenticatedAt: null,
    via: 'bearer',
  });

  it('admits a session held in memory without a promise, and refuses an unknown one', async () => {
    const known = setup({ token: SESSION_TOKEN, session: () => held() });
    expect(known.sut.canActivate(known.ctx)).toBe(true);
    expect(known.req.principal).toMatchObject({ sessionId: 's1' });
    const unknown = setup({ token: SESSION_TOKEN, session: () => undefined });
    await expect(activate(unknown.sut, unknown.ctx)).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    expect(unknown.req.principal).toBeUndefined();
  });

  it('waits for an answer that is a thenable but not a native promise, instead of taking it for a principal', async () => {
    const { sut, ctx, req } = setup({
      token: SESSION_TOKEN,
      session: () => ({ then: (resolve: (v: unknown) => void) => resolve(undefined) }),
    });
    await expect(activate(sut, ctx)).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    expect(req.principal).toBeUndefined();
  });

  it('refuses a cookie write without the CSRF header, and admits it with the right one', async () => {
    const bare = setup({ token: SESSION_TOKEN, method: 'POST', cookie: {}, session: () => held() });
    await expect(activate(bare.sut, bare.ctx)).rejects.toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
    const wrong = setup({ token: SESSION_TOKEN, method: 'POST', cookie: { csrf: 'not-it' }, session: () => held() });
    await expect(activate(wrong.sut, wrong.ctx)).rejects.toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
    const right = setup({ token: SESSION_TOKEN, method: 'POST', cookie: { csrf: csrfTokenFor(SESSION_TOKEN) }, session: () => held() });
    await expect(activate(right.sut, right.ctx)).resolves.toBe(true);
  });

  it('lets a restricted session reach only routes marked @AllowRestricted()', async () => {
    const closed = setup({ token: SESSION_TOKEN, session: async () => held('mfa_setup_required') });
    await expect(activate(closed.sut, closed.ctx)).rejects.toMatchObject({ code: 'MFA_SETUP_REQUIRED' });
    const open = setup({ token: SESSION_TOKEN, allowRestricted: true, session: async () => held('mfa_setup_required') });
    await expect(activate(open.sut, open.ctx)).resolves.toBe(true);
  });
});
