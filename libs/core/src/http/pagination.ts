import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

import { DomainException } from '../errors/domain.exception';
import { textProblem } from '../errors/input-safety';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is not a cursor this API issued' })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One cursor format for every list: base64url of `{"k": key, "id": id}`, the sort key of the last
 * row of the page (a time as ISO text, a string or a number) and its id, so the next page starts
 * strictly after it (keyset paging: stable under inserts, no OFFSET scans). Opaque to clients.
 */
export interface KeysetCursor {
  k: string | number;
  id: string;
}

/** The common case: lists newest first by a timestamp. */
export interface TimeCursor {
  at: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A JS Date's ISO text, as encodeCursor writes it. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** PostgreSQL's text of a timestamptz (microseconds kept), or ISO text. */
const SQL_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** What a list's sort key must be, checked before it reaches SQL (a cast that fails would be a 500). */
export type CursorKeyKind = 'text' | 'integer' | 'time';

function keyFits(k: string | number, kind: CursorKeyKind): boolean {
  switch (kind) {
    case 'integer':
      return typeof k === 'number' && Number.isSafeInteger(k);
    case 'time':
      return typeof k === 'string' && SQL_TIME.test(k) && !Number.isNaN(Date.parse(`${k.slice(0, 10)}T${k.slice(11, 19)}Z`));
    case 'text':
      // Decoded from the cursor, so the input checks never saw it: no NUL or lone surrogate for PostgreSQL.
      return typeof k === 'string' && k.length <= 1000 && textProblem(k, true) === undefined;
  }
}

function notOurs(): DomainException {
  return new DomainException('VALIDATION_FAILED', 'BAD_INPUT', 'Invalid field(s): cursor.', {
    errors: [{ field: 'cursor', message: 'is not a cursor this API issued' }],
  });
}

export function encodeCursor(key: Date | string | number, id: string): string {
  const k = key instanceof Date ? key.toISOString() : key;
  return Buffer.from(JSON.stringify({ k, id }), 'utf8').toString('base64url');
}

/** Any keyset cursor this API issued whose key is of `kind`; a 400 naming `cursor` for anything else. */
export function decodeKeysetCursor(cursor: string | undefined, kind: CursorKeyKind): KeysetCursor | undefined {
  if (!cursor) {
    return undefined;
  }
  let parsed: { k?: unknown; id?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; id?: unknown };
  } catch {
    throw notOurs();
  }
  const { k, id } = parsed ?? {};
  if ((typeof k !== 'string' && typeof k !== 'number') || !keyFits(k, kind) || typeof id !== 'string' || !UUID.test(id)) {
    throw notOurs();
  }
  return { k, id };
}

/**
 * The same cursor format for a list ordered by a unique key alone (no row id): `{k}` in base64url
 * JSON. A 400 naming `cursor` for anything this API did not issue.
 */
export function encodeKeyCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

export function decodeKeyCursor(cursor: string | undefined, kind: CursorKeyKind): string | number | undefined {
  if (!cursor) {
    return undefined;
  }
  let parsed: { k?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
  } catch {
    throw notOurs();
  }
  const k = parsed?.k;
  if ((typeof k !== 'string' && typeof k !== 'number') || !keyFits(k, kind) || Object.keys(parsed).length !== 1) {
    throw notOurs();
  }
  return k;
}

/** A cursor of a list ordered by time (`encodeCursor(date, id)`). */
export function decodeCursor(cursor?: string): TimeCursor | undefined {
  const c = decodeKeysetCursor(cursor, 'time');
  if (!c || !ISO_TIME.test(String(c.k))) {
    if (c) {
      throw notOurs();
    }
    return undefined;
  }
  return { at: c.k as string, id: c.id };
}

/** Given limit+1 rows newest first, cuts the page and builds the next cursor. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, at: (r: R) => Date, map: (r: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(at(last), last.id) : null };
}
