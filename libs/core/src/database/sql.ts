import { DataSource, EntityManager } from 'typeorm';

export type Db = DataSource | EntityManager;

/**
 * Rows of an `UPDATE/DELETE ... RETURNING`: TypeORM's postgres driver answers those with
 * `[rows, rowCount]` and everything else (PGlite, SELECT, INSERT) with the rows.
 */
export async function returningRows<T>(db: Db, sql: string, params: unknown[]): Promise<T[]> {
  const raw: unknown = await db.query(sql, params);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') {
    return raw[0] as T[];
  }
  return raw as T[];
}

/** PostgreSQL's unique_violation, as TypeORM wraps it. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
