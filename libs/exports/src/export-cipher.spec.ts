import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { AppConfig, SecretBox } from '@latchkey/core';

import { ExportDecryptor, ExportEncryptor } from './export-cipher';

const box = (key = randomBytes(32)) => new SecretBox({ crypto: { dataEncryptionKey: key.toString('base64') } } as unknown as AppConfig);

async function seal(secrets: SecretBox, id: string, plain: Buffer): Promise<Buffer> {
  return buffer(Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]).pipe(new ExportEncryptor(secrets, id)));
}

async function open(secrets: SecretBox, id: string, sealed: Buffer, chunk = 777): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < sealed.length; i += chunk) {
    pieces.push(sealed.subarray(i, i + chunk));
  }
  return buffer(Readable.from(pieces).pipe(new ExportDecryptor(secrets, id)));
}

describe('Export file encryption (streaming AES-256-GCM records)', () => {
  const plain = randomBytes(200_000);

  it('opens what it sealed, whatever the chunking, and counts the plain bytes', async () => {
    const secrets = box();
    const encryptor = new ExportEncryptor(secrets, 'e1');
    const sealed = await buffer(Readable.from([plain]).pipe(encryptor));
    expect(encryptor.plainBytes).toBe(plain.length);
    expect(sealed.subarray(0, 4).toString()).toBe('LKX1');
    expect(sealed.includes(plain.subarray(0, 64))).toBe(false);
    expect((await open(secrets, 'e1', sealed)).equals(plain)).toBe(true);
    expect((await open(secrets, 'e1', sealed, 65_600)).equals(plain)).toBe(true);
  });

  it('seals an empty file too', async () => {
    const secrets = box();
    const sealed = await buffer(Readable.from([]).pipe(new ExportEncryptor(secrets, 'e0')));
    expect((await open(secrets, 'e0', sealed)).length).toBe(0);
  });

  it('refuses a file of another export, under another key, tampered with or cut short', async () => {
    const secrets = box();
    const sealed = await seal(secrets, 'e1', plain);
    await expect(open(secrets, 'e2', sealed)).rejects.toThrow();
    await expect(open(box(), 'e1', sealed)).rejects.toThrow();
    const flipped = Buffer.from(sealed);
    flipped[100] ^= 1;
    await expect(open(secrets, 'e1', flipped)).rejects.toThrow();
    // Cut at a record boundary: every record left is genuine, but the final one is missing.
    const firstRecordEnd = 4 + 16 + 5 + 64 * 1024 + 16;
    await expect(open(secrets, 'e1', sealed.subarray(0, firstRecordEnd))).rejects.toThrow(/truncated/);
  });
});
