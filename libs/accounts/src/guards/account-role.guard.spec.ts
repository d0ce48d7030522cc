import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import { AccountRole } from '../account-role';
import { ACCOUNT_ROLE_KEY, AccountRoleGuard } from './account-role.guard';

const ACCOUNT = '6f1c2a52-7d55-4c1e-9a6e-0d9f3f0b1a11';
const USER = '0b6a3b0e-3f0e-4c6f-8d8e-5a1f2c3d4e5f';

function setup(opts: {
  role?: AccountRole;
  least?: AccountRole;
  allowlist?: string[];
  require2fa?: boolean;
  hasFactor?: boolean;
  ip?: string;
  apiKey?: { accountId: string | null; roleCap: string | null };
}) {
  const handler = () => undefined;
  Reflect.defineMetadata(ACCOUNT_ROLE_KEY, opts.least ?? AccountRole.Admin, handler);
  const account = { id: ACCOUNT, name: 'A', require2fa: opts.require2fa ?? false, ipAllowlist: opts.allowlist ?? [] };
  const repo = {
    findAccount: jest.fn(async () => account),
    findMembership: jest.fn(async () => (opts.role ? { accountId: ACCOUNT, userId: USER, role: opts.role } : null)),
  };
  const mfa = { hasSecondFactor: jest.fn(async () => opts.hasFactor ?? false) };
  const sessions = { setRestriction: jest.fn(async () => undefined) };
  const req: Record<string, unknown> = {
    params: { accountId: ACCOUNT },
    ip: opts.ip ?? '127.0.0.1',
    principal: opts.apiKey
      ? { kind: 'api_key', userId: USER, sessionId: null, apiKey: { keyId: 'k1', scopes: ['read', 'write'], ...opts.apiKey } }
      : { userId: USER, sessionId: 's1' },
  };
  const ctx = new ExecutionContextHost([req, {}]);
  ctx.setType('http');
  jest.spyOn(ctx, 'getHandler').mockReturnValue(handler);
  jest.spyOn(ctx, 'getClass').mockReturnValue(class {});
  const sut = new AccountRoleGuard(new Reflector(), repo as never, mfa as never, sessions as never);
  return { sut, ctx, req, sessions };
}

describe('AccountRoleGuard', () => {
  it('lets an admin through and puts the membership on the request', async () => {
    const { sut, ctx, req } = setup({ role: AccountRole.Admin });
    await expect(sut.canActivate(ctx)).resolves.toBe(true);
    expect(req.membership).toMatchObject({ role: AccountRole.Admin, account: { id: ACCOUNT } });
  });

  it('answers a non-member with the same 404 as an unknown account', async () => {
    const { sut, ctx } = setup({});
    await expect(sut.canActivate(ctx)).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND', category: 'NOT_FOUND' });
  });

  it('rejects a Viewer on an admin route with 403', async () => {
    const { sut, ctx } = setup({ role: AccountRole.Viewer });
    await expect(sut.canActivate(ctx)).rejects.toMatchObject({ code: 'ROLE_TOO_LOW', category: 'FORBIDDEN' });
  });

  it('rejects an address outside the allow-list, IPv4 and IPv6', async () => {
    const v4 = setup({ role: AccountRole.Owner, allowlist: ['10.0.0.0/8'] });
    await expect(v4.sut.canActivate(v4.ctx)).rejects.toMatchObject({ code: 'IP_NOT_ALLOWED' });
    const v6 = setup({ role: AccountRole.Owner, allowlist: ['2001:db8::/32'], ip: '2001:db8::1' });
    await expect(v6.sut.canActivate(v6.ctx)).resolves.toBe(true);
    const mapped = setup({ role: AccountRole.Owner, allowlist: ['127.0.0.1/32'], ip: '::ffff:127.0.0.1' });
    await expect(mapped.sut.canActivate(mapped.ctx)).resolves.toBe(true);
  });

  it('restricts the session of a member without a factor when the account requires 2FA', async () => {
    const { sut, ctx, sessions } = setup({ role: AccountRole.Owner, require2fa: true, hasFactor: false });
    await expect(sut.canActivate(ctx)).rejects.toMatchObject({ code: 'MFA_SETUP_REQUIRED' });
    expect(sessions.setRestriction).toHaveBeenCalledWith(USER, 's1', 'mfa_setup_required');
  });

  it("holds an API key to the lower of its cap and the user's role, and puts that role on the request", async () => {
    const capped = setup({
      role: AccountRole.Owner,
      least: AccountRole.Admin,
      apiKey: { accountId: ACCOUNT, roleCap: AccountRole.Member },
    });
    await expect(capped.sut.canActivate(capped.ctx)).rejects.toMatchObject({ code: 'ROLE_TOO_LOW' });
    const demoted = setup({
      role: AccountRole.Member,
      least: AccountRole.Member,
      apiKey: { accountId: ACCOUNT, roleCap: AccountRole.Admin },
    });
    await expect(demoted.sut.canActivate(demoted.ctx)).resolves.toBe(true);
    expect(demoted.req.membership).toMatchObject({ role: AccountRole.Member });
  });

  it('answers a key bound to another account with the 404 of a stranger', async () => {
    const { sut, ctx } = setup({ role: AccountRole.Owner, apiKey: { accountId: USER, roleCap: AccountRole.Owner } });
    await expect(sut.canActivate(ctx)).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });

  it('never restricts a session for a key refused by the 2FA policy', async () => {
    const { sut, ctx, sessions } = setup({ role: AccountRole.Owner, require2fa: true, apiKey: { accountId: null, roleCap: null } });
    await expect(sut.canActivate(ctx)).rejects.toMatchObject({ code: 'MFA_SETUP_REQUIRED' });
    expect(sessions.setRestriction).not.toHaveBeenCalled();
  });
});
