import { API_KEY_ACCESS, ApiKeyPrincipal, IS_PUBLIC, SessionOnly } from '@latchkey/core';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import { SessionAuthGuard } from './session-auth.guard';

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
  const req: Record<string, unknown> = {
    method: opts.method ?? 'GET',
    headers: { authorization: `Bearer ${opts.token ?? KEY}` },
    params: opts.params ?? {},
  };
  const ctx = new ExecutionContextHost([req, {}]);
  ctx.setType('http');
  jest.spyOn(ctx, 'getHandler').mockReturnValue(handler);
  jest.spyOn(ctx, 'getClass').mockReturnValue(Controller);
  const sessions = { authenticate: jest.fn(async () => undefined) };
  const apiKeys = { authenticate: jest.fn(async () => opts.principal), consume: jest.fn(async () => undefined) };
  const config = { http: { cookiePrefix: '' } };
  const sut = new SessionAuthGuard(new Reflector(), sessions as never, config as never, apiKeys as never);
  return { sut, ctx, req, sessions, apiKeys };
}

describe('SessionAuthGuard with API keys', () => {
  it('admits a key on an opted-in route, counts the use and puts the principal on the request', async () => {
    const { sut, ctx, req, apiKeys, sessions } = setup({ keyAccess: true, principal: keyPrincipal() });
    await expect(sut.canActivate(ctx)).resolves.toBe(true);
    expect(req.principal).toMatchObject({ kind: 'api_key', userId: 'u1' });
    expect(apiKeys.consume).toHaveBeenCalledTimes(1);
    expect(sessions.authenticate).not.toHaveBeenCalled();
  });

  it('refuses a key on a route that did not opt in, and where the handler says @SessionOnly()', async () => {
    const unmarked = setup({ principal: keyPrincipal({ scopes: ['read', 'write'] }) });
    await expect(unmarked.sut.canActivate(unmarked.ctx)).rejects.toMatchObject({ code: 'API_KEY_SESSION_REQUIRED', category: 'FORBIDDEN' });
    const overridden = setup({ keyAccess: true, sessionOnlyHandler: true, principal: keyPrincipal() });
    await expect(overridden.sut.canActivate(overridden.ctx)).rejects.toMatchObject({ code: 'API_KEY_SESSION_REQUIRED' });
    expect(overridden.apiKeys.consume).not.toHaveBeenCalled();
  });

  it('refuses a write with a read key, and a bound key outside account routes', async () => {
    const write = setup({ keyAccess: true, method: 'PATCH', principal: keyPrincipal() });
    await expect(write.sut.canActivate(write.ctx)).rejects.toMatchObject({ code: 'API_KEY_SCOPE_MISSING' });
    const bound = setup({ keyAccess: true, principal: keyPrincipal({ accountId: 'a1', roleCap: 'viewer' }) });
    await expect(bound.sut.canActivate(bound.ctx)).rejects.toMatchObject({ code: 'API_KEY_ACCOUNT_BOUND' });
    const inAccount = setup({
      keyAccess: true,
      params: { accountId: 'a1' },
      principal: keyPrincipal({ accountId: 'a1', roleCap: 'viewer' }),
    });
    await expect(inAccount.sut.canActivate(inAccount.ctx)).resolves.toBe(true);
  });

  it('answers 401 for an unknown key, and treats a key on a public route as no credential', async () => {
    const unknown = setup({ keyAccess: true });
    await expect(unknown.sut.canActivate(unknown.ctx)).rejects.toMatchObject({ code: 'API_KEY_INVALID', category: 'UNAUTHENTICATED' });
    const open = setup({ isPublic: true, principal: keyPrincipal() });
    await expect(open.sut.canActivate(open.ctx)).resolves.toBe(true);
    expect(open.req.principal).toBeUndefined();
    expect(open.apiKeys.authenticate).not.toHaveBeenCalled();
  });

  it('still sends session tokens to the sessions service', async () => {
    const { sut, ctx, sessions, apiKeys } = setup({ token: 'lks_something' });
    await expect(sut.canActivate(ctx)).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    expect(sessions.authenticate).toHaveBeenCalledWith('lks_something', 'bearer');
    expect(apiKeys.authenticate).not.toHaveBeenCalled();
  });
});
