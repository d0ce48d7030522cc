import { ExportRunner } from '@latchkey/exports';
import type { Response } from 'superagent';

import { TestApp } from '../setup/test-app';

// yauzl ships no types; the few calls used here.
interface YauzlEntry {
  fileName: string;
}
interface YauzlZip {
  readEntry(): void;
  on(event: 'entry', cb: (e: YauzlEntry) => void): void;
  on(event: 'end', cb: () => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  openReadStream(e: YauzlEntry, cb: (err: Error | null, stream: NodeJS.ReadableStream) => void): void;
}
const yauzl = require('yauzl') as {
  fromBuffer(buf: Buffer, opts: { lazyEntries: boolean }, cb: (err: Error | null, zip: YauzlZip) => void): void;
};

/** Every file of a zip, by name, as text: proves the zip opens with an independent reader. */
export function unzip(buffer: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err) {
        return reject(err);
      }
      const files: Record<string, string> = {};
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) {
            return reject(e);
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            files[entry.fileName] = Buffer.concat(chunks).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** supertest: keep a binary body as a Buffer. */
export function binary(res: Response, cb: (err: Error | null, body: Buffer) => void): void {
  // Under Node, superagent hands the parser the response stream.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
  stream.on('error', (err: Error) => cb(err, Buffer.alloc(0)));
}

export interface ExportStatus {
  id: string;
  state: string;
  progress: number;
  stage: string | null;
  downloadUrl: string | null;
}

/** Polls an export until it is ready (or failed), recording every progress seen. */
export async function waitForExport(
  t: TestApp,
  auth: Record<string, string>,
  id: string,
  seen: ExportStatus[] = [],
  timeoutMs = 60_000,
): Promise<ExportStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http().get(`/api/v1/me/exports/${id}`).set(auth).expect(200);
    seen.push(res.body);
    if (res.body.state === 'ready' || res.body.state === 'failed') {
      return res.body;
    }
    if (Date.now() > deadline) {
      throw new Error(`Export ${id} still ${res.body.state} (${res.body.progress}%) after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function download(t: TestApp, auth: Record<string, string>, id: string): Promise<Record<string, string>> {
  const res = await t.http().get(`/api/v1/me/exports/${id}/download`).set(auth).buffer(true).parse(binary).expect(200);
  expect(res.headers['content-type']).toBe('application/zip');
  return unzip(res.body as Buffer);
}

export function runner(t: TestApp): ExportRunner {
  return t.app.get(ExportRunner);
}
