import { DomainException } from '../errors/domain.exception';
import { decodeCursor, decodeKeyCursor, decodeKeysetCursor, encodeCursor, encodeKeyCursor, toPage } from './pagination';

const ID = '3f2a9c10-0000-4000-8000-000000000001';

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainException);
    return (err as DomainException).extra;
  }
  throw new Error('expected a refusal');
}

describe('keyset cursors: one format for every list', () => {
  it('round-trips a time, a string and a number key with the row id', () => {
    const at = new Date('2026-11-30T12:00:00.123Z');
    expect(decodeCursor(encodeCursor(at, ID))).toEqual({ at: at.toISOString(), id: ID });
    expect(decodeKeysetCursor(encodeCursor('ada@example.com', ID), 'text')).toEqual({ k: 'ada@example.com', id: ID });
    expect(decodeKeysetCursor(encodeCursor(3, ID), 'integer')).toEqual({ k: 3, id: ID });
    // PostgreSQL's text of a timestamp keeps microseconds that a JS Date would drop.
    expect(decodeKeysetCursor(encodeCursor('2026-11-30 12:00:00.123456+00', ID), 'time')?.k).toBe('2026-11-30 12:00:00.123456+00');
  });

  it('no cursor means the first page', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeKeysetCursor('', 'text')).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['the old "time|id" text', Buffer.from(`2026-11-30T12:00:00.000Z|${ID}`).toString('base64url')],
    ['an id that is not a uuid', encodeCursor(new Date(), "1' OR '1'='1")],
    ['a key that is an object', Buffer.from(JSON.stringify({ k: { $gt: '' }, id: ID })).toString('base64url')],
    ['null', Buffer.from('null').toString('base64url')],
    ['an id of 36 dashes (fails the uuid cast)', encodeCursor('a', '-'.repeat(36))],
    ['a text key with NUL (PostgreSQL refuses it)', encodeCursor('a\u0000b', ID)],
    ['a text key with a lone surrogate', encodeCursor('a\ud800', ID)],
  ])('refuses %s with a 400 naming the cursor', (_what, cursor) => {
    expect(refusal(() => decodeKeysetCursor(cursor, 'text'))).toMatchObject({
      errors: [{ field: 'cursor', message: 'is not a cursor this API issued' }],
    });
  });

  it('a key must be of the sort it pages (a cursor from another sort would fail the cast)', () => {
    expect(refusal(() => decodeKeysetCursor(encodeCursor('ada@example.com', ID), 'integer'))).toMatchObject({
      errors: [{ field: 'cursor' }],
    });
    expect(refusal(() => decodeKeysetCursor(encodeCursor(1.5, ID), 'integer'))).toMatchObject({ errors: [{ field: 'cursor' }] });
    expect(refusal(() => decodeKeysetCursor(encodeCursor(1e300, ID), 'integer'))).toMatchObject({ errors: [{ field: 'cursor' }] });
    expect(refusal(() => decodeKeysetCursor(encodeCursor(3, ID), 'time'))).toMatchObject({ errors: [{ field: 'cursor' }] });
    expect(refusal(() => decodeKeysetCursor(encodeCursor('foo 2026', ID), 'time'))).toMatchObject({ errors: [{ field: 'cursor' }] });
  });

  it('a time-ordered list refuses a cursor whose key is not a time', () => {
    expect(refusal(() => decodeCursor(encodeCursor(7, ID)))).toMatchObject({ errors: [{ field: 'cursor' }] });
    expect(refusal(() => decodeCursor(encodeCursor('yesterday', ID)))).toMatchObject({ errors: [{ field: 'cursor' }] });
    // Date.parse takes these; PostgreSQL's timestamptz cast does not.
    expect(refusal(() => decodeCursor(encodeCursor('1', ID)))).toMatchObject({ errors: [{ field: 'cursor' }] });
    expect(refusal(() => decodeCursor(encodeCursor('2026-11-30T12:00:00.000Z\u0000', ID)))).toMatchObject({
      errors: [{ field: 'cursor' }],
    });
  });

  it('toPage cuts limit+1 rows and points the next cursor at the last row kept', () => {
    const rows = [3, 2, 1].map((n) => ({ id: `3f2a9c10-0000-4000-8000-00000000000${n}`, at: new Date(Date.UTC(2026, 10, n)) }));
    const page = toPage(
      rows,
      2,
      (r) => r.at,
      (r) => r.id,
    );
    expect(page.items).toEqual([rows[0]!.id, rows[1]!.id]);
    expect(decodeCursor(page.nextCursor!)).toEqual({ at: rows[1]!.at.toISOString(), id: rows[1]!.id });
    expect(
      toPage(
        rows.slice(0, 2),
        2,
        (r) => r.at,
        (r) => r.id,
      ).nextCursor,
    ).toBeNull();
  });

  it('a list keyed by a unique name uses the same format without an id, and refuses anything else', () => {
    expect(decodeKeyCursor(encodeKeyCursor('host.invoice.paid'), 'text')).toBe('host.invoice.paid');
    expect(decodeKeyCursor(undefined, 'text')).toBeUndefined();
    const refused = (c: string) => expect(() => decodeKeyCursor(c, 'text')).toThrow('Invalid field(s): cursor.');
    refused(Buffer.from('nope').toString('base64url'));
    refused(encodeKeyCursor(7));
    refused(encodeCursor('host.a', '3f2a9c10-0000-4000-8000-000000000001'));
    refused(Buffer.from(JSON.stringify({ k: 'a\uD800' })).toString('base64url'));
  });
});
