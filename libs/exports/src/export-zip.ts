import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

import type { DataExportSink } from '@latchkey/core';
import * as yazl from 'yazl';

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The zip of one export, written as it goes: each file is added when its part writes it, and a
 * streamed file is read from its rows only as fast as the zip (and the storage behind it) takes
 * them, so one keyset batch at a time is in memory. `onRow` runs for every row written (progress,
 * and the check that this run still owns the export: it may throw to stop the run).
 */
export class ExportZip implements DataExportSink {
  readonly zip = new yazl.ZipFile();
  private readonly names = new Set<string>();

  constructor(
    private readonly onRow: () => Promise<void> | void,
    private readonly mtime: Date,
  ) {}

  get output(): NodeJS.ReadableStream {
    return this.zip.outputStream;
  }

  async json(file: string, value: unknown): Promise<void> {
    this.zip.addBuffer(Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'), this.name(file), { mtime: this.mtime });
    await this.onRow();
  }

  async rows(file: string, rows: AsyncIterable<unknown>): Promise<void> {
    const onRow = this.onRow;
    async function* text(): AsyncGenerator<string> {
      let first = true;
      yield '[';
      for await (const row of rows) {
        yield `${first ? '\n' : ',\n'}  ${JSON.stringify(row)}`;
        first = false;
        await onRow();
      }
      yield first ? ']\n' : '\n]\n';
    }
    const stream = Readable.from(text());
    this.zip.addReadStream(stream, this.name(file), { mtime: this.mtime });
    // Resolves once the zip has read the whole file; rejects with the error that stopped it.
    await finished(stream);
  }

  end(): void {
    this.zip.end();
  }

  private name(file: string): string {
    if (!NAME.test(file)) {
      throw new Error(`Export file name "${file}" must be lowercase letters, digits and dashes`);
    }
    if (this.names.has(file)) {
      throw new Error(`Export file "${file}.json" is written twice`);
    }
    this.names.add(file);
    return `${file}.json`;
  }
}
