import { Principal, principalOf } from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { SessionsService } from '@latchkey/sessions';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { AccountRole, hasAtLeast, isAccountRole, lowerRole } from '../account-role';
import { accountNotFound, accountsError } from '../accounts.exception';
import { AccountsService } from '../accounts.service';
import { Account, Membership } from '../entities';
import { ipAllowed } from '../ip-allowlist';

export const ACCOUNT_ROLE_KEY = 'latchkey:account-role';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the guard resolved, once per request. */
export interface ActiveMembership extends Membership {
  account: Account;
}

export interface AccountScopedRequest {
  params?: Record<string, string | undefined>;
  ip?: string;
  principal?: Principal;
  membership?: ActiveMembership;
}

/**
 * Authorization for account-scoped routes, after the global session guard authenticated.
 * Order matters: an unknown account and a non-member look the same (404) so ids cannot be
 * probed; only members learn about the allow-list (403), the 2FA policy, then their role (403).
 */
@Injectable()
export class AccountRoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsService,
    private readonly mfa: MfaService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const least = this.reflector.getAllAndOverride<AccountRole | undefined>(ACCOUNT_ROLE_KEY, [context.getHandler(), context.getClass()]);
    if (!least) {
      return true;
    }
    const req = context.switchToHttp().getRequest<AccountScopedRequest>();
    const principal = principalOf(req);
    const accountId = req.params?.accountId ?? '';
    if (!UUID.test(accountId)) {
      throw accountNotFound();
    }
    const grant = principal.kind === 'api_key' ? principal.apiKey : undefined;
    if (grant?.accountId && grant.accountId !== accountId.toLowerCase()) {
      // A key bound to another account sees this one exactly as a stranger would.
      throw accountNotFound();
    }
    const [account, membership] = await Promise.all([
      this.accounts.findAccount(accountId.toLowerCase()),
      this.accounts.findMembership(accountId.toLowerCase(), principal.userId),
    ]);
    if (!account || !membership) {
      throw accountNotFound();
    }
    if (!ipAllowed(account.ipAllowlist, req.ip)) {
      throw accountsError('IP_NOT_ALLOWED', 'This account only accepts requests from its IP allow-list.');
    }
    if (account.require2fa && !(await this.mfa.hasSecondFactor(principal.userId))) {
      // A session that predates the policy (or outlived a removed factor) is restricted from now on.
      if (principal.kind !== 'api_key') {
        await this.sessions.setRestriction(principal.userId, principal.sessionId, 'mfa_setup_required');
      }
      throw accountsError('MFA_SETUP_REQUIRED', 'This account requires two-factor authentication: set it up first.');
    }
    // An API key acts with the lower of its cap and the user's role now (a demotion applies at once).
    const role = grant?.roleCap && isAccountRole(grant.roleCap) ? lowerRole(membership.role, grant.roleCap) : membership.role;
    if (!hasAtLeast(role, least)) {
      throw accountsError('ROLE_TOO_LOW', `This needs the ${least} role or higher in this account.`);
    }
    req.membership = Object.assign(membership, { account, role });
    return true;
  }
}
