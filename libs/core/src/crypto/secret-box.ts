import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets we must read back (TOTP secrets, webhook URLs). The stored form is
 * `v1.<iv>.<tag>.<ciphertext>` in base64url; a tampered value fails to open. The optional
 * context (for example the user id) is bound as associated data, so a ciphertext copied to
 * another row does not open there.
 */
@Injectable()
export class SecretBox {
  private readonly logger = new Logger(SecretBox.name);
  private readonly key: Buffer;
  private readonly macKeys = new Map<string, Buffer>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = this.resolveKey(config);
  }

  /**
   * HMAC-SHA256 under a key derived (HKDF) from DATA_ENCRYPTION_KEY for one purpose, hex. For
   * short codes (SMS, backup codes): a stolen table cannot be brute-forced offline without the key.
   */
  mac(value: string, purpose: string): string {
    let key = this.macKeys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `latchkey-mac:${purpose}`, 32));
      this.macKeys.set(purpose, key);
    }
    return createHmac('sha256', key).update(value, 'utf8').digest('hex');
  }

  /**
   * A 32-byte key for one purpose, derived (HKDF-SHA256) from DATA_ENCRYPTION_KEY; a salt makes it
   * unique to one object (an export file), so a key never encrypts two of them.
   */
  deriveKey(purpose: string, salt: Buffer = Buffer.alloc(0)): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, salt, `latchkey-key:${purpose}`, 32));
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, context = ''): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new Error('Unrecognised sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  private resolveKey(config: AppConfig): Buffer {
    if (config.crypto.dataEncryptionKey) {
      return Buffer.from(config.crypto.dataEncryptionKey, 'base64');
    }
    if (config.env === 'production') {
      throw new Error('DATA_ENCRYPTION_KEY is required in production');
    }
    if (config.env === 'test') {
      return randomBytes(32);
    }
    // Development: generate once and keep it beside the embedded database.
    const file = path.resolve(config.db.dataDir, 'encryption.key');
    if (fs.existsSync(file)) {
      return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const key = randomBytes(32);
    fs.writeFileSync(file, key.toString('base64'), { mode: 0o600 });
    this.logger.warn(`Generated a development DATA_ENCRYPTION_KEY in ${file}`);
    return key;
  }
}
