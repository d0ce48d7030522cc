// The public face of @latchkey/accounts: what other libs and the apps may use (see test/platform/public-faces).
export { AccountRole, hasAtLeast } from './account-role';
export { AccountsHttpModule, AccountsModule } from './accounts.module';
export { AccountsService } from './accounts.service';
export { AccountRoles } from './decorators/account-roles.decorator';
export { CurrentMembership } from './decorators/current-membership.decorator';
export { DeletionSweep } from './deletion-sweep';
export type { ActiveMembership } from './guards/account-role.guard';
