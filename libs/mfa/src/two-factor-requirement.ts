/**
 * Port: the names of the accounts a user belongs to that require 2FA (shown in the two-factor
 * status). The accounts lib owns the answer and provides it; required: a boot without a
 * provider fails, rather than report no requirement.
 */
export abstract class TwoFactorRequirement {
  abstract requiredBy(userId: string): Promise<string[]>;
}
