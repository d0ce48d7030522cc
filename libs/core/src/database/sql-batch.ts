import { DataSource, EntityManager } from 'typeorm';

/** One SQL statement and its positional parameters ($1, $2, ...). */
export interface SqlStatement {
  sql: string;
  params: unknown[];
}

const DIVISION_BY_ZERO = '22012';

/** Renumbers `$n` placeholders so fragments written from $1 can share one parameter list. */
export function shiftPlaceholders(sql: string, by: number): string {
  return by === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + by}`);
}

function isDivisionByZero(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.code === DIVISION_BY_ZERO || e?.driverError?.code === DIVISION_BY_ZERO;
}

/**
 * Several writes sent as ONE statement of data-modifying CTEs: one database round trip instead of
 * BEGIN, one per write, COMMIT, and atomic like a transaction (a statement commits whole or not
 * at all). Used where a hot path writes rows owned by several libs (a sign-in: the session,
 * login activity, audit, and the spent second-factor code); each lib adds its own fragment.
 *
 * A `require`d write (a compare-and-swap `UPDATE ... RETURNING`) must touch a row: when one
 * touches none, the statement divides by zero on purpose, PostgreSQL rolls every write back, and
 * `run` answers false. Fragments number their parameters from $1 and must not contain `$n` text
 * of their own (no dollar-quoted literals).
 */
export class SqlBatch {
  private readonly required: SqlStatement[] = [];
  private readonly writes: SqlStatement[] = [];

  /** A write that must touch at least one row (it ends with RETURNING), or nothing happens. */
  require(statement: SqlStatement): this {
    this.required.push(statement);
    return this;
  }

  add(statement: SqlStatement): this {
    this.writes.push(statement);
    return this;
  }

  /** `INSERT INTO table (keys) VALUES (...)`; column names are the keys, written by the caller's code, never input. */
  insert(table: string, row: Record<string, unknown>): this {
    const columns = Object.keys(row);
    return this.add({
      sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      params: columns.map((c) => row[c]),
    });
  }

  /** True when every required write touched a row and everything was written; false when nothing was. */
  async run(db: DataSource | EntityManager): Promise<boolean> {
    const params: unknown[] = [];
    const ctes = [...this.required, ...this.writes].map((s, i) => {
      const sql = shiftPlaceholders(s.sql, params.length);
      params.push(...s.params);
      return `w${i} AS (${sql})`;
    });
    if (ctes.length === 0) {
      return true;
    }
    const check = this.required.length ? this.required.map((_, i) => `(SELECT count(*) FROM w${i})`).join(' * ') : '1';
    try {
      await db.query(`WITH ${ctes.join(',\n')} SELECT 1 / (${check})::int AS ok`, params);
      return true;
    } catch (err) {
      if (isDivisionByZero(err)) {
        return false;
      }
      throw err;
    }
  }
}
