import { Injectable } from '@nestjs/common';

/**
 * The members report's window on 2FA, as a port: accounts filters and sorts up to 100,000
 * members on it in one query, so it gets SQL to join rather than a per-user call. It reads the
 * `mfa_user_summaries` table, which triggers keep in step with every factor and backup-code
 * change (migration 1764000400000); accounts never reads mfa_factors or mfa_backup_codes.
 */
export abstract class MemberSecurityView {
  /** `LEFT JOIN` of the summary as `alias` on a user id column, e.g. `join('s', 'ms.user_id')`. */
  abstract join(alias: string, userIdColumn: string): string;
  /**
   * The summary's select-list columns under the joined alias: `totp`, `sms` (booleans),
   * `passkeys` and `backup_codes` (ints) and `mfa_level` (0 none, 1 SMS, 2 authenticator app or
   * passkey, 3 that and SMS). A user without a summary row reads as no 2FA.
   */
  abstract columns(alias: string): string;
  /**
   * A predicate on the user of `userIdColumn`: `none` no confirmed second factor, `enabled` at
   * least one, `totp` / `sms` / `passkey` that kind confirmed. Written as (NOT) EXISTS so PostgreSQL can
   * walk a report page in index order and stop after the page.
   */
  abstract matches(filter: SecondFactorFilter, userIdColumn: string): string;
  /** A predicate true when the user's `mfa_level` is `level` (0 none, 1 SMS, 2 authenticator, 3 both). */
  abstract hasLevel(level: number, userIdColumn: string): string;
}

/**
 * The levels a filter lets through (all four without one). For `totp` and `passkey` a level is
 * not enough (level 2 is either), so the filter's own predicate must stay in the query.
 */
export const LEVEL_EXACT_FILTERS: readonly SecondFactorFilter[] = ['none', 'enabled', 'sms'];

export function secondFactorLevels(filter?: SecondFactorFilter): number[] {
  const levels = { none: [0], enabled: [1, 2, 3], totp: [2, 3], sms: [1, 3], passkey: [2, 3] };
  return filter ? levels[filter] : [0, 1, 2, 3];
}

export type SecondFactorFilter = 'none' | 'enabled' | 'totp' | 'sms' | 'passkey';

const FILTER_SQL: Record<SecondFactorFilter, [exists: boolean, condition: string]> = {
  none: [false, 'mus.level > 0'],
  enabled: [true, 'mus.level > 0'],
  totp: [true, 'mus.totp'],
  sms: [true, 'mus.sms'],
  passkey: [true, 'mus.passkeys > 0'],
};

@Injectable()
export class SqlMemberSecurityView extends MemberSecurityView {
  join(alias: string, userIdColumn: string): string {
    return `LEFT JOIN mfa_user_summaries ${alias} ON ${alias}.user_id = ${userIdColumn}`;
  }

  columns(alias: string): string {
    return [
      `coalesce(${alias}.totp, false) AS totp`,
      `coalesce(${alias}.sms, false) AS sms`,
      `coalesce(${alias}.passkeys, 0)::int AS passkeys`,
      `coalesce(${alias}.backup_codes_remaining, 0) AS backup_codes`,
      `coalesce(${alias}.level, 0)::int AS mfa_level`,
    ].join(', ');
  }

  matches(filter: SecondFactorFilter, userIdColumn: string): string {
    const [exists, condition] = FILTER_SQL[filter];
    return `${exists ? '' : 'NOT '}EXISTS (SELECT 1 FROM mfa_user_summaries mus WHERE mus.user_id = ${userIdColumn} AND ${condition})`;
  }

  hasLevel(level: number, userIdColumn: string): string {
    return level === 0
      ? this.matches('none', userIdColumn)
      : `EXISTS (SELECT 1 FROM mfa_user_summaries mus WHERE mus.user_id = ${userIdColumn} AND mus.level = ${Number(level)})`;
  }
}
