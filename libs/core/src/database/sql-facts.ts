import { Db } from './sql';
import { SqlStatement, shiftPlaceholders } from './sql-batch';

/**
 * Several reads sent as ONE statement: the read-side twin of SqlBatch. Each lib asks its own fact
 * (a SELECT of one column and at most one row, on its own tables, parameters numbered from $1)
 * and gets back a getter; `read` sends them all as scalar subqueries of one SELECT
 * (`SELECT (q0) AS f0, (q1) AS f1, ...`), one round trip instead of one per lib, and all from
 * one snapshot. A fact whose query finds no row reads as null. Used where a hot path asks several
 * libs a question each (a sign-in's steps: second factor, account policy, support reset, device).
 * Fragments must not contain `$n` text of their own (no dollar-quoted literals).
 */
export class SqlFacts {
  private readonly asked: SqlStatement[] = [];
  private answers?: unknown[];

  /** Asks one fact; the getter answers it, as `parse` reads the raw value, once `read` has run. */
  ask<T>(statement: SqlStatement, parse: (raw: unknown) => T): () => T {
    if (this.answers) {
      throw new Error('SqlFacts: a fact was asked after the facts were read');
    }
    const index = this.asked.push(statement) - 1;
    return () => {
      if (!this.answers) {
        throw new Error('SqlFacts: a fact was used before the facts were read');
      }
      return parse(this.answers[index]);
    };
  }

  async read(db: Db): Promise<void> {
    if (this.asked.length === 0) {
      this.answers = [];
      return;
    }
    const { sql, params } = this.columns(0);
    const [row]: Array<Record<string, unknown>> = await db.query(`SELECT ${sql}`, params);
    if (!row) {
      // A SELECT without FROM answers one row; none means something is wrong: fail, never guess.
      throw new Error('SqlFacts: the facts read answered no row');
    }
    this.answer(row);
  }

  /**
   * The facts as select-list columns (`(q0) AS f0, (q1) AS f1`), their parameters numbered after
   * the `offset` of the statement they go into: to read them along another statement's row, where
   * they may name that row's columns (a challenge's user), then `answer` from the row.
   */
  columns(offset: number): SqlStatement {
    const params: unknown[] = [];
    const columns = this.asked.map((s, i) => {
      const sql = shiftPlaceholders(s.sql, offset + params.length);
      params.push(...s.params);
      return `(${sql}) AS f${i}`;
    });
    return { sql: columns.join(',\n       '), params };
  }

  /** Takes the answers from a row that selected `columns`. */
  answer(row: Record<string, unknown>): void {
    this.answers = this.asked.map((_, i) => row[`f${i}`] ?? null);
  }
}

/**
 * Parsers for SqlFacts' raw values, as PostgreSQL's drivers (pg, PGlite) hand them over. A
 * boolean fact must always answer (`EXISTS (...)`, `count(*) > 0`): a null or anything else
 * throws rather than read as false, since a security decision (is there a second factor?) may
 * hang on it.
 */
export const FactOf = {
  boolean: (raw: unknown): boolean => {
    if (raw === true || raw === 't') {
      return true;
    }
    if (raw === false || raw === 'f') {
      return false;
    }
    throw new Error(`SqlFacts: a boolean fact answered ${String(raw)}`);
  },
  date: (raw: unknown): Date | null => (raw === null || raw === undefined ? null : raw instanceof Date ? raw : new Date(String(raw))),
};
