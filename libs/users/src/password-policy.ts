import { FieldError } from '@latchkey/core';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

let common: Set<string> | undefined;

/** About 49,000 common passwords, offline, from @zxcvbn-ts/language-common. */
function commonPasswords(): Set<string> {
  if (!common) {
    const pkg = require('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> };
    common = new Set((pkg.dictionary['passwords-common'] ?? []).map((p) => p.toLowerCase()));
  }
  return common;
}

/**
 * NIST 800-63B style: length 8..128, no composition rules, but refuse known-common passwords
 * and ones built from the email address.
 */
export function checkPassword(password: string, email?: string, field = 'password'): FieldError | undefined {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN) {
    return { field, message: `must be at least ${PASSWORD_MIN} characters` };
  }
  if (password.length > PASSWORD_MAX) {
    return { field, message: `must be at most ${PASSWORD_MAX} characters` };
  }
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) {
    return { field, message: 'is one of the most common passwords; choose another' };
  }
  if (email) {
    const e = email.toLowerCase();
    const local = e.split('@')[0] ?? '';
    if (lower.includes(e) || (local.length >= 3 && lower.includes(local))) {
      return { field, message: 'must not contain your email address' };
    }
  }
  return undefined;
}
