import { UserPrincipal } from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import { STAFF_ROLE_KEY, StaffGuard } from './staff.guard';

function contextFor(staffRole: UserPrincipal['staffRole'] | undefined, least: string | undefined) {
  const handler = () => undefined;
  if (least) {
    Reflect.defineMetadata(STAFF_ROLE_KEY, least, handler);
  }
  const req = staffRole === undefined ? {} : { principal: { staffRole, userId: 'u1' } as UserPrincipal };
  const ctx = new ExecutionContextHost([req, {}, undefined]);
  ctx.setType('http');
  jest.spyOn(ctx, 'getHandler').mockReturnValue(handler);
  jest.spyOn(ctx, 'getClass').mockReturnValue(class {});
  return ctx;
}

describe('StaffGuard', () => {
  let twoFactor = true;
  const mfa = { hasSecondFactor: async () => twoFactor } as unknown as MfaService;
  const sut = new StaffGuard(new Reflector(), mfa);

  beforeEach(() => {
    twoFactor = true;
  });

  it('hides staff routes from non-staff behind a 404', async () => {
    await expect(sut.canActivate(contextFor(null, 'support'))).rejects.toMatchObject({ category: 'NOT_FOUND' });
    await expect(sut.canActivate(contextFor(undefined, 'support'))).rejects.toMatchObject({ category: 'NOT_FOUND' });
  });

  it('lets a lead through support routes and stops an agent on lead routes', async () => {
    await expect(sut.canActivate(contextFor('support_lead', 'support'))).resolves.toBe(true);
    await expect(sut.canActivate(contextFor('support', 'support'))).resolves.toBe(true);
    await expect(sut.canActivate(contextFor('support', 'support_lead'))).rejects.toMatchObject({ code: 'LEAD_REQUIRED' });
  });

  it('refuses staff without a second factor with a 403 naming the need', async () => {
    twoFactor = false;
    await expect(sut.canActivate(contextFor('support_lead', 'support'))).rejects.toMatchObject({
      code: 'STAFF_2FA_REQUIRED',
      category: 'FORBIDDEN',
    });
    await expect(sut.canActivate(contextFor(null, 'support'))).rejects.toMatchObject({ category: 'NOT_FOUND' });
  });

  it('does nothing on routes without @StaffOnly', async () => {
    await expect(sut.canActivate(contextFor(null, undefined))).resolves.toBe(true);
  });
});
