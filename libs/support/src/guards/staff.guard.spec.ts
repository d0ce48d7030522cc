import { Principal } from '@latchkey/core';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import { STAFF_ROLE_KEY, StaffGuard } from './staff.guard';

function contextFor(staffRole: Principal['staffRole'] | undefined, least: string | undefined) {
  const handler = () => undefined;
  if (least) {
    Reflect.defineMetadata(STAFF_ROLE_KEY, least, handler);
  }
  const req = staffRole === undefined ? {} : { principal: { staffRole } as Principal };
  const ctx = new ExecutionContextHost([req, {}, undefined]);
  ctx.setType('http');
  jest.spyOn(ctx, 'getHandler').mockReturnValue(handler);
  jest.spyOn(ctx, 'getClass').mockReturnValue(class {});
  return ctx;
}

describe('StaffGuard', () => {
  const sut = new StaffGuard(new Reflector());

  it('hides staff routes from non-staff behind a 404', () => {
    expect(() => sut.canActivate(contextFor(null, 'support'))).toThrow(expect.objectContaining({ category: 'NOT_FOUND' }));
    expect(() => sut.canActivate(contextFor(undefined, 'support'))).toThrow(expect.objectContaining({ category: 'NOT_FOUND' }));
  });

  it('lets a lead through support routes and stops an agent on lead routes', () => {
    expect(sut.canActivate(contextFor('support_lead', 'support'))).toBe(true);
    expect(sut.canActivate(contextFor('support', 'support'))).toBe(true);
    expect(() => sut.canActivate(contextFor('support', 'support_lead'))).toThrow(expect.objectContaining({ code: 'LEAD_REQUIRED' }));
  });

  it('does nothing on routes without @StaffOnly', () => {
    expect(sut.canActivate(contextFor(null, undefined))).toBe(true);
  });
});
