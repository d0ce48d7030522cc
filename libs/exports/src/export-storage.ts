import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';

/**
 * Where export files rest (already encrypted). The default keeps them under DATA_DIR/exports, which
 * every API and worker instance must share (a volume); an object store plugs in by providing this
 * class token with its own implementation.
 */
export abstract class ExportStorage {
  /** Stores the whole stream under the key, all or nothing; resolves to the bytes stored. */
  abstract save(key: string, source: Readable): Promise<number>;
  /** The stored bytes, or null when there is no such file. */
  abstract open(key: string): Promise<Readable | null>;
  /** Idempotent: removing a missing file is not an error. */
  abstract remove(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9._-]{1,200}$/;

@Injectable()
export class FilesystemExportStorage extends ExportStorage {
  private readonly dir: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.dir = path.resolve(config.db.dataDir, 'exports');
  }

  async save(key: string, source: Readable): Promise<number> {
    const file = this.file(key);
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const partial = `${file}.partial`;
    const out = fs.createWriteStream(partial, { mode: 0o600 });
    try {
      await pipeline(source, out);
      await fs.promises.rename(partial, file);
    } catch (err) {
      await fs.promises.rm(partial, { force: true });
      throw err;
    }
    return out.bytesWritten;
  }

  async open(key: string): Promise<Readable | null> {
    const file = this.file(key);
    try {
      const handle = await fs.promises.open(file, 'r');
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    const file = this.file(key);
    await fs.promises.rm(file, { force: true });
    await fs.promises.rm(`${file}.partial`, { force: true });
  }

  private file(key: string): string {
    if (!KEY.test(key)) {
      throw new Error('Invalid export storage key');
    }
    return path.join(this.dir, key);
  }
}
