import { RequestMethod, Type } from '@nestjs/common';

import { AccountNotificationsController } from './account-notifications.controller';
import { AccountRole } from './account-role';
import { AccountsController } from './accounts.controller';
import { AccountBillingController, ServiceBillingController } from './billing.controller';
import { ACCOUNT_ROLE_KEY } from './guards/account-role.guard';
import { MeAccountsController } from './me-accounts.controller';

/** Route → least account role, read from the decorators: the table a permission review looks at. */
export function accountRouteTable(
  controllers: Type[] = [
    AccountsController,
    MeAccountsController,
    AccountBillingController,
    ServiceBillingController,
    AccountNotificationsController,
  ],
): Record<string, AccountRole | 'session' | 'public' | 'service'> {
  const table: Record<string, AccountRole | 'session' | 'public' | 'service'> = {};
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata('path', controller) ?? '').replace(/^\/|\/$/g, '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata('path', handler) === undefined) {
        continue;
      }
      const path = String(Reflect.getMetadata('path', handler)).replace(/^\/|\/$/g, '');
      const method = RequestMethod[Reflect.getMetadata('method', handler) as RequestMethod];
      const role = Reflect.getMetadata(ACCOUNT_ROLE_KEY, handler) as AccountRole | undefined;
      const isPublic = Reflect.getMetadata('latchkey:public', handler) === true;
      const service = Reflect.getMetadata('latchkey:openapi-auth', handler) === 'service-token';
      table[`${method} /${[base, path].filter(Boolean).join('/')}`] = role ?? (service ? 'service' : isPublic ? 'public' : 'session');
    }
  }
  return Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
}
