import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

import { DomainException } from '../errors/domain.exception';

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

export interface KeysetCursor {
  at: string;
  id: string;
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify({ at: at.toISOString(), id }), 'utf8').toString('base64url');
}

/** Keyset cursors: stable under inserts, no OFFSET scans. */
export function decodeCursor(cursor?: string): KeysetCursor | undefined {
  if (!cursor) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as KeysetCursor;
    if (
      typeof parsed.at !== 'string' ||
      Number.isNaN(Date.parse(parsed.at)) ||
      typeof parsed.id !== 'string' ||
      !/^[0-9a-f-]{36}$/.test(parsed.id)
    ) {
      throw new Error('shape');
    }
    return parsed;
  } catch {
    throw new DomainException('VALIDATION_FAILED', 'BAD_INPUT', 'Invalid field(s): cursor.', {
      errors: [{ field: 'cursor', message: 'is not a cursor this API issued' }],
    });
  }
}

/** Given limit+1 rows newest first, cuts the page and builds the next cursor. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, at: (r: R) => Date, map: (r: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(at(last), last.id) : null };
}
