import { DataSource, EntityManager } from 'typeorm';

export type Db = DataSource | EntityManager;

/**
 * Rows of an `UPDATE/DELETE ... RETURNING`: TypeORM's postgres driver answers those with
 * `[rows, rowCount]` and everything else with the rows.
 */
export async function returning<T>(db: Db, sql: string, params: unknown[]): Promise<T[]> {
  const raw: unknown = await db.query(sql, params);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') {
    return raw[0] as T[];
  }
  return raw as T[];
}
