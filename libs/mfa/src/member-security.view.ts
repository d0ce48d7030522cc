import { Injectable } from '@nestjs/common';

import { FACTOR_KINDS, FactorKindInfo } from './factors/factor-registry';

/**
 * The members report's window on 2FA, as a port: accounts filters and sorts up to 100,000
 * members on it in one query, so it gets SQL to join rather than a per-user call. It reads the
 * `mfa_user_summaries` table, which triggers keep in step with every factor and backup-code
 * change (migrations 1764000400000, 1764000602200): a count per confirmed kind (`factors`, jsonb)
 * and `level`, the OR of the kinds' strength bits. Accounts never reads mfa_factors or
 * mfa_backup_codes. Filters and levels come from FACTOR_KINDS: a new kind needs no edit here.
 */
export abstract class MemberSecurityView {
  /** `LEFT JOIN` of the summary as `alias` on a user id column, e.g. `join('s', 'ms.user_id')`. */
  abstract join(alias: string, userIdColumn: string): string;
  /**
   * The summary's select-list columns under the joined alias: `totp`, `sms` (booleans),
   * `passkeys` and `backup_codes` (ints), `mfa_level` (0 none, 1 weak only (SMS), 2 strong only
   * (authenticator app, passkey), 3 both) and `factor_counts` (jsonb, a count per confirmed kind:
   * every kind, including ones added after the three named columns). A user without a summary
   * row reads as no 2FA.
   */
  abstract columns(alias: string): string;
  /**
   * A predicate on the user of `userIdColumn`: `none` no confirmed second factor, `enabled` at
   * least one, a kind (`totp`, `sms`, `passkey`, ...) that kind confirmed. Written as (NOT) EXISTS
   * so PostgreSQL can walk a report page in index order and stop after the page.
   */
  abstract matches(filter: SecondFactorFilter, userIdColumn: string): string;
  /** A predicate true when the user's `mfa_level` is `level`. */
  abstract hasLevel(level: number, userIdColumn: string): string;
}

/** `none`, `enabled`, or a factor kind. */
export type SecondFactorFilter = string;

/** The members report's 2FA filter values: none, enabled, then every registered kind. */
export function secondFactorFilters(kinds: readonly FactorKindInfo[] = FACTOR_KINDS): string[] {
  return ['none', 'enabled', ...kinds.map((k) => k.kind)];
}

export const SECOND_FACTOR_FILTERS: readonly string[] = secondFactorFilters();

/** Every mfa_level there can be: the OR of any set of strength bits. */
function allLevels(kinds: readonly FactorKindInfo[]): number[] {
  const bits = kinds.reduce((acc, k) => acc | k.strength, 0);
  return [0, 1, 2, 3].filter((l) => (l & ~bits) === 0);
}

/** The levels a filter lets through (every level without one). */
export function secondFactorLevels(filter?: SecondFactorFilter, kinds: readonly FactorKindInfo[] = FACTOR_KINDS): number[] {
  const levels = allLevels(kinds);
  if (!filter) {
    return levels;
  }
  if (filter === 'none') {
    return [0];
  }
  if (filter === 'enabled') {
    return levels.filter((l) => l > 0);
  }
  const kind = kinds.find((k) => k.kind === filter);
  return kind ? levels.filter((l) => (l & kind.strength) !== 0) : [];
}

/**
 * The filters a level says all about: none, enabled, and a kind that is the only one of its
 * strength (SMS today). For the others (an authenticator app or a passkey are both level 2) the
 * filter's own predicate must stay in the query.
 */
export function levelExactFilters(kinds: readonly FactorKindInfo[] = FACTOR_KINDS): string[] {
  return ['none', 'enabled', ...kinds.filter((k) => kinds.filter((o) => o.strength === k.strength).length === 1).map((k) => k.kind)];
}

export const LEVEL_EXACT_FILTERS: readonly string[] = levelExactFilters();

const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;

@Injectable()
export class SqlMemberSecurityView extends MemberSecurityView {
  join(alias: string, userIdColumn: string): string {
    return `LEFT JOIN mfa_user_summaries ${alias} ON ${alias}.user_id = ${userIdColumn}`;
  }

  columns(alias: string): string {
    const count = (kind: string) => `coalesce((${alias}.factors->>${quoted(kind)})::int, 0)`;
    return [
      `${count('totp')} > 0 AS totp`,
      `${count('sms')} > 0 AS sms`,
      `${count('passkey')} AS passkeys`,
      `coalesce(${alias}.factors, '{}'::jsonb) AS factor_counts`,
      `coalesce(${alias}.backup_codes_remaining, 0) AS backup_codes`,
      `coalesce(${alias}.level, 0)::int AS mfa_level`,
    ].join(', ');
  }

  matches(filter: SecondFactorFilter, userIdColumn: string): string {
    const condition = (exists: boolean, c: string) =>
      `${exists ? '' : 'NOT '}EXISTS (SELECT 1 FROM mfa_user_summaries mus WHERE mus.user_id = ${userIdColumn} AND ${c})`;
    if (filter === 'none' || filter === 'enabled') {
      return condition(filter === 'enabled', 'mus.level > 0');
    }
    if (!FACTOR_KINDS.some((k) => k.kind === filter)) {
      throw new Error(`Unknown second-factor filter ${filter}`);
    }
    return condition(true, `mus.factors ? ${quoted(filter)}`);
  }

  hasLevel(level: number, userIdColumn: string): string {
    return level === 0
      ? this.matches('none', userIdColumn)
      : `EXISTS (SELECT 1 FROM mfa_user_summaries mus WHERE mus.user_id = ${userIdColumn} AND mus.level = ${Number(level)})`;
  }
}
