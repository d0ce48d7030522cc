/**
 * A PGlite data-directory dump (ustar) with its write-ahead log cut to what PostgreSQL reads.
 *
 * A WAL segment is 16 MB whatever it holds. The template is made with the log switched to a fresh
 * segment before its last checkpoints (see global-setup), so that segment holds their records and
 * zeros: every e2e file loaded those zeros into a new PGlite (27 MB of tar instead of 11 MB). Only
 * the pages up to the last non-zero byte are kept. PostgreSQL's recovery reads the log until a record
 * is missing (the zeros of the last page kept, or a short read at the end of the file, which it takes
 * as the end of the log), and opening the segment for writing checks no size: later writes extend it.
 */
const BLOCK = 512;
const WAL_PAGE = 8192;
const WAL_SEGMENT = /(^|\/)pg_wal\/[0-9A-F]{24}$/;

function field(header: Buffer, offset: number, length: number): string {
  return header
    .subarray(offset, offset + length)
    .toString('latin1')
    .replace(/\0.*$/s, '')
    .trim();
}

/** Writes a tar header's size and its checksum (the sum of its bytes with the checksum as spaces). */
function setSize(header: Buffer, size: number): void {
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  header.fill(0x20, 148, 156);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

export function trimWalSegments(tar: Buffer): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = Buffer.from(tar.subarray(offset, offset + BLOCK));
    if (header.every((b) => b === 0)) {
      out.push(tar.subarray(offset));
      break;
    }
    const size = parseInt(field(header, 124, 12) || '0', 8);
    let data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (WAL_SEGMENT.test(field(header, 0, 100))) {
      let end = data.length;
      while (end > 0 && data[end - 1] === 0) {
        end--;
      }
      data = data.subarray(0, Math.ceil(end / WAL_PAGE) * WAL_PAGE);
      setSize(header, data.length);
    }
    out.push(header, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return Buffer.concat(out);
}
