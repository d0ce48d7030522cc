import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { Clock } from '../clock/clock';
import { SecretBox } from '../crypto/secret-box';

/** Who is being erased, and every personal value of theirs that another row may quote. */
export interface ErasureSubject {
  userId: string;
  /** `deleted-user-<hash>`: stable for one user (HMAC of the id under DATA_ENCRYPTION_KEY), meaningless without the key. */
  pseudonym: string;
  email: string;
  /** Id, email and phone: no row may quote one afterwards (matched inside longer text). */
  values: string[];
  /** Display name (and other free text of theirs): replaced where a value equals it exactly, so "Al" leaves "Alice" alone. */
  names: string[];
}

export interface ErasableUser {
  id: string;
  email: string;
  phone: string | null;
  displayName: string;
  company: string | null;
  bio: string | null;
}

/** One lib's share of erasing a user: its own tables, inside the caller's transaction. */
export interface ErasurePart {
  area: string;
  erase(subject: ErasureSubject, m: EntityManager): Promise<void>;
}

/**
 * The port every lib plugs its erasure into (like the sign-in steps): the deletion job runs
 * every registered part in one transaction, then deletes the user row, whose cascades take the
 * rest (sessions, factors, tokens, login activity, memberships, preferences, inbox, consents).
 * A lib whose table holds personal data without a cascade from users must register a part.
 */
@Injectable()
export class PersonalDataErasure {
  private readonly parts = new Map<string, ErasurePart>();

  constructor(
    private readonly secrets: SecretBox,
    clock: Clock,
  ) {
    // Rate-limit counters are keyed by IP and hashed address; on PostgreSQL a counter whose window
    // has passed stays until the key is hit again. After a grace period every window of the user's
    // last actions has passed, so expired counters go (Redis expires its own).
    this.register({
      area: 'rate-limits',
      erase: async (_subject, m) => {
        await m.query(`DELETE FROM rate_limits WHERE reset_at < $1`, [clock.now()]);
      },
    });
  }

  register(part: ErasurePart): void {
    this.parts.set(part.area, part);
  }

  areas(): string[] {
    return [...this.parts.keys()].sort();
  }

  pseudonym(userId: string): string {
    return `deleted-user-${this.secrets.mac(userId, 'erasure-pseudonym').slice(0, 16)}`;
  }

  /**
   * What to erase for a user row. IP addresses and user agents go with the rows of the user's own
   * actions (sessions, login activity, audit entries they made, consents); they are not searched
   * for elsewhere: a shared office address or a browser's string would erase other people's records.
   */
  subjectOf(user: ErasableUser): ErasureSubject {
    const present = (v: string | null | undefined): v is string => typeof v === 'string' && v.length > 0;
    return {
      userId: user.id,
      pseudonym: this.pseudonym(user.id),
      email: user.email,
      values: [...new Set([user.id, user.email, user.phone].filter(present))],
      names: [user.displayName, user.company, user.bio].filter(present),
    };
  }

  async eraseAll(subject: ErasureSubject, m: EntityManager): Promise<void> {
    for (const area of this.areas()) {
      await (this.parts.get(area) as ErasurePart).erase(subject, m);
    }
  }
}

/** ILIKE patterns that find a row quoting the subject: in JSON (`json`, names as whole strings) or in plain text. */
export function quotePatterns(subject: ErasureSubject, json: boolean): string[] {
  const escape = (v: string) => v.replace(/[\\%_"]/g, (c) => (c === '"' ? '\\\\"' : `\\${c}`));
  const names = subject.names.filter((n) => n.length >= 3).map((n) => (json ? `%"${escape(n)}"%` : `%${escape(n)}%`));
  return [...subject.values.filter((v) => v.length >= 3).map((v) => `%${escape(v)}%`), ...names];
}

/** Replaces, at any depth, every string containing one of the subject's values or equal to one of its names (case-insensitive). */
export function scrubJson(value: unknown, subject: ErasureSubject): unknown {
  const needles = subject.values.filter((v) => v.length >= 3).map((v) => v.toLowerCase());
  const names = new Set(subject.names.map((n) => n.trim().toLowerCase()));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const lower = v.toLowerCase();
      return needles.some((n) => lower.includes(n)) || names.has(lower.trim()) ? subject.pseudonym : v;
    }
    if (Array.isArray(v)) {
      return v.map(walk);
    }
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}
