import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

import type { SecretBox } from '@latchkey/core';

/**
 * Streaming AES-256-GCM for export files, in records of at most 64 KiB, so neither side holds the
 * whole file. Layout: `LKX1`, a 16-byte salt, then records `final(1) length(4) ciphertext tag(16)`.
 * The key is derived (HKDF) from DATA_ENCRYPTION_KEY, the salt and the export id, so each file has
 * its own key and a file copied onto another export does not open. Nonces count records; the final
 * flag is authenticated, so a truncated or reordered file fails instead of yielding a short zip.
 */
const MAGIC = Buffer.from('LKX1');
const SALT_BYTES = 16;
const TAG_BYTES = 16;
const RECORD_BYTES = 64 * 1024;
const HEADER_BYTES = 5;

function nonce(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(counter), 4);
  return iv;
}

function keyFor(secrets: SecretBox, exportId: string, salt: Buffer): Buffer {
  return secrets.deriveKey(`data-export:${exportId}`, salt);
}

export class ExportEncryptor extends Transform {
  /** Bytes of plaintext (the zip) seen so far. */
  plainBytes = 0;
  private readonly key: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;

  constructor(secrets: SecretBox, exportId: string) {
    super();
    const salt = randomBytes(SALT_BYTES);
    this.key = keyFor(secrets, exportId, salt);
    this.push(Buffer.concat([MAGIC, salt]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.plainBytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= RECORD_BYTES) {
      const all = Buffer.concat(this.pending);
      this.push(this.record(all.subarray(0, RECORD_BYTES), false));
      const rest = all.subarray(RECORD_BYTES);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(this.record(Buffer.concat(this.pending), true));
    this.pending = [];
    done();
  }

  private record(plain: Buffer, final: boolean): Buffer {
    const flag = Buffer.from([final ? 1 : 0]);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.counter++));
    cipher.setAAD(flag);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    return Buffer.concat([flag, length, body, cipher.getAuthTag()]);
  }
}

export class ExportDecryptor extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private key?: Buffer;
  private counter = 0;
  private ended = false;

  constructor(
    private readonly secrets: SecretBox,
    private readonly exportId: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.drainRecords();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.ended && this.buffer.length === 0 ? undefined : new Error('The export file is truncated'));
  }

  private drainRecords(): void {
    if (!this.key) {
      if (this.buffer.length < MAGIC.length + SALT_BYTES) {
        return;
      }
      if (!this.buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw new Error('Not an export file');
      }
      this.key = keyFor(this.secrets, this.exportId, this.buffer.subarray(MAGIC.length, MAGIC.length + SALT_BYTES));
      this.buffer = this.buffer.subarray(MAGIC.length + SALT_BYTES);
    }
    while (this.buffer.length >= HEADER_BYTES) {
      if (this.ended) {
        throw new Error('Data after the end of the export file');
      }
      const length = this.buffer.readUInt32BE(1);
      if (length > RECORD_BYTES) {
        throw new Error('Corrupt export file');
      }
      const total = HEADER_BYTES + length + TAG_BYTES;
      if (this.buffer.length < total) {
        return;
      }
      const flag = this.buffer.subarray(0, 1);
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.counter++));
      decipher.setAAD(flag);
      decipher.setAuthTag(this.buffer.subarray(HEADER_BYTES + length, total));
      this.push(Buffer.concat([decipher.update(this.buffer.subarray(HEADER_BYTES, HEADER_BYTES + length)), decipher.final()]));
      this.ended = flag[0] === 1;
      this.buffer = this.buffer.subarray(total);
    }
  }
}
