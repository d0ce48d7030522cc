import { randomInt } from 'node:crypto';

import { SecretBox, hashToken } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { returning } from '../sql';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export function normalizeBackupCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/**
 * Ten random characters (about 49 bits): stored as an HMAC under a server key, so a copied table
 * cannot be searched offline, and lookups stay indexed. Codes issued before the key (plain
 * SHA-256) are still accepted until the user generates a new set.
 */
@Injectable()
export class BackupCodesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  static generateCode(): string {
    let s = '';
    for (let i = 0; i < 10; i++) {
      s += ALPHABET[randomInt(ALPHABET.length)];
    }
    return `${s.slice(0, 5)}-${s.slice(5)}`;
  }

  hash(userId: string, code: string): string {
    return this.secrets.mac(`${userId}:${normalizeBackupCode(code)}`, 'backup-code');
  }

  private static legacyHash(userId: string, normalized: string): string {
    return hashToken(`${userId}:${normalized}`);
  }

  /** Voids every old code and stores a new set; the plain codes are returned once, here. */
  async replace(userId: string, count: number, now: Date, m: EntityManager): Promise<string[]> {
    await m.query(`DELETE FROM mfa_backup_codes WHERE user_id = $1`, [userId]);
    const codes = new Set<string>();
    while (codes.size < count) {
      codes.add(BackupCodesService.generateCode());
    }
    const list = [...codes];
    const values = list.map((_, i) => `($1, $${i + 3}, $2)`).join(', ');
    await m.query(`INSERT INTO mfa_backup_codes (user_id, code_hash, created_at) VALUES ${values}`, [
      userId,
      now,
      ...list.map((c) => this.hash(userId, c)),
    ]);
    return list;
  }

  /** The id of an unused code matching `code`, without spending it. */
  async match(userId: string, code: string): Promise<string | undefined> {
    const normalized = normalizeBackupCode(code);
    if (!/^[a-z0-9]{10}$/.test(normalized)) {
      return undefined;
    }
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM mfa_backup_codes WHERE user_id = $1 AND code_hash = ANY($2::text[]) AND used_at IS NULL LIMIT 1`,
      [userId, [this.hash(userId, normalized), BackupCodesService.legacyHash(userId, normalized)]],
    );
    return rows[0]?.id;
  }

  /** Spends a matched code: a conditional UPDATE, so parallel uses of one code give exactly one success. */
  async consumeById(id: string, now: Date, m: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m,
      `UPDATE mfa_backup_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id`,
      [id, now],
    );
    return rows.length === 1;
  }

  async remaining(userId: string, m?: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await (m ?? this.dataSource).query(
      `SELECT count(*)::int AS n FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async removeAll(userId: string, m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM mfa_backup_codes WHERE user_id = $1`, [userId]);
  }
}
