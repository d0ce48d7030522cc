import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Where a part writes: each file becomes `<file>.json` in the export's zip. */
export interface DataExportSink {
  /** A small JSON document (a profile, a handful of settings). */
  json(file: string, value: unknown): Promise<void>;
  /** A JSON array written row by row as the rows arrive; give it keyset batches (`keysetRows`), never a whole table. */
  rows(file: string, rows: AsyncIterable<unknown>): Promise<void>;
}

/**
 * One lib's share of a user's data export. Each lib registers its part with `DataExportParts`
 * for the tables it owns; a test lists every table with a column pointing at a user and fails
 * unless a part names it in `tables` or the export's exclusion list gives the reason it is left out.
 * A part selects its columns one by one: a secret (hash, sealed value) never leaves in an export.
 */
export interface DataExportPart {
  /** Shown as the export's stage while this part is written, e.g. "login-activity". Unique. */
  area: string;
  /** The tables whose rows about the user this part writes. */
  tables: readonly string[];
  /** About how many rows it will write, for the progress bar (a cheap count). */
  count(userId: string): Promise<number>;
  write(userId: string, sink: DataExportSink): Promise<void>;
}

/** The parts every lib registered, in registration order (the order of the files in the zip). */
@Injectable()
export class DataExportParts {
  private readonly parts: DataExportPart[] = [];

  register(part: DataExportPart): void {
    if (this.parts.some((p) => p.area === part.area)) {
      throw new Error(`Data export area "${part.area}" is registered twice`);
    }
    this.parts.push(part);
  }

  all(): readonly DataExportPart[] {
    return this.parts;
  }
}

/** Rows per keyset batch of an export: memory stays flat however many rows a user has. */
export const EXPORT_BATCH = 500;

/**
 * Reads a user's rows in keyset batches: `next(last, limit)` returns the rows after `last` (the
 * previous batch's final row, undefined at first) in a stable order; each row is mapped to what
 * the export shows. Only one batch is held at a time.
 */
export async function* keysetRows<R, O>(
  next: (last: R | undefined, limit: number) => Promise<R[]>,
  map: (row: R) => O,
  limit = EXPORT_BATCH,
): AsyncGenerator<O> {
  let last: R | undefined;
  for (;;) {
    const batch = await next(last, limit);
    for (const row of batch) {
      yield map(row);
    }
    if (batch.length < limit) {
      return;
    }
    last = batch[batch.length - 1];
  }
}

/** What the export helpers query: a DataSource or an EntityManager. */
export interface ExportQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The query most parts need: the rows of one table about the user (`where`, with the user id as
 * $1; `user_id = $1` by default), newest first by `(time, id)` in keyset batches, each mapped for
 * the export. Only `columns` are read (a part names them one by one: never a secret); the table
 * needs a uuid `id`.
 */
export function newestFirst<R, O>(
  db: ExportQueryable,
  spec: { table: string; columns: string; time: string; where?: string },
  userId: string,
  map: (row: R & { id: string }) => O,
): AsyncGenerator<O> {
  const where = spec.where ?? 'user_id = $1';
  return keysetRows<R & { id: string; at_key: string }, O>(
    (last, limit) =>
      db.query(
        `SELECT id, ${spec.time}::text AS at_key, ${spec.columns} FROM ${spec.table}
          WHERE (${where}) ${last ? `AND (${spec.time}, id) < ($3::timestamptz, $4::uuid)` : ''}
          ORDER BY ${spec.time} DESC, id DESC LIMIT $2`,
        last ? [userId, limit, last.at_key, last.id] : [userId, limit],
      ) as Promise<Array<R & { id: string; at_key: string }>>,
    map,
  );
}

/** How many rows of each `[table, where]` are about the user (`where` with the user id as $1): a part's `count`. */
export async function countRows(db: ExportQueryable, userId: string, ...tables: Array<[table: string, where?: string]>): Promise<number> {
  const sum = tables.map(([table, where]) => `(SELECT count(*) FROM ${table} WHERE ${where ?? 'user_id = $1'})`).join(' + ');
  const [{ n }] = (await db.query(`SELECT ${sum} AS n`, [userId])) as Array<{ n: number | string }>;
  return Number(n);
}

/** A timestamp as ISO text (the drivers answer Date on PostgreSQL and sometimes text on PGlite). */
export function isoTime(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/**
 * The common part: one table's rows about the user (`user_id = $1`), newest first in keyset
 * batches, counted for the progress bar. A subclass names its area, the table, the columns it
 * exports and the time column to page on, and maps a row to its JSON (columns one by one: no secret).
 */
@Injectable()
export abstract class OneTableExportPart<R> implements DataExportPart, OnModuleInit {
  abstract readonly area: string;
  protected abstract readonly source: { table: string; columns: string; time: string };

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  get tables(): readonly string[] {
    return [this.source.table];
  }

  onModuleInit(): void {
    this.parts.register(this);
  }

  count(userId: string): Promise<number> {
    return countRows(this.dataSource, userId, [this.source.table]);
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    await sink.rows(
      this.area,
      newestFirst<R, unknown>(this.dataSource, this.source, userId, (row) => this.toJson(row)),
    );
  }

  protected abstract toJson(row: R & { id: string }): unknown;
}
