import { SqlStatement } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { MfaFactor } from '../entities/mfa-factor.entity';
import { Db, returning } from '../sql';

export interface NewPasskey {
  name: string;
  credentialId: string;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  aaguid: string | null;
  backedUp: boolean;
}

export type WebauthnPurpose = 'register' | 'second_factor' | 'passwordless';

export interface StoredWebauthnChallenge {
  id: string;
  purpose: WebauthnPurpose;
  userId: string | null;
  mfaChallengeId: string | null;
  challenge: string;
  expiresAt: Date;
}

/** Passkey rows of mfa_factors (kind 'passkey'), and the single-use WebAuthn challenges. */
@Injectable()
export class PasskeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private r(m?: EntityManager) {
    return (m ?? this.dataSource.manager).getRepository(MfaFactor);
  }

  listByUser(userId: string, m?: EntityManager): Promise<MfaFactor[]> {
    return this.r(m).find({ where: { userId, kind: 'passkey' }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findOne(userId: string, id: string): Promise<MfaFactor | null> {
    return this.r().findOne({ where: { userId, id, kind: 'passkey' } });
  }

  findByCredentialId(credentialId: string): Promise<MfaFactor | null> {
    return this.r().findOne({ where: { credentialId, kind: 'passkey' } });
  }

  /** Undefined when the credential is already registered (to anyone). */
  async insert(userId: string, p: NewPasskey, now: Date, m: EntityManager): Promise<string | undefined> {
    const rows = await returning<{ id: string }>(
      m,
      `INSERT INTO mfa_factors (user_id, kind, name, credential_id, public_key, sign_count, transports, aaguid, backed_up,
                                confirmed_at, created_at, updated_at)
       VALUES ($1, 'passkey', $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)
       ON CONFLICT (credential_id) WHERE credential_id IS NOT NULL DO NOTHING RETURNING id`,
      [userId, p.name, p.credentialId, Buffer.from(p.publicKey), p.signCount, p.transports.join(',') || null, p.aaguid, p.backedUp, now],
    );
    return rows[0]?.id;
  }

  async rename(userId: string, id: string, name: string, now: Date): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      this.dataSource,
      `UPDATE mfa_factors SET name = $3, updated_at = $4 WHERE id = $1 AND user_id = $2 AND kind = 'passkey' RETURNING id`,
      [id, userId, name, now],
    );
    return rows.length === 1;
  }

  async remove(userId: string, id: string, m: EntityManager): Promise<{ name: string } | undefined> {
    const rows = await returning<{ name: string }>(
      m,
      `DELETE FROM mfa_factors WHERE id = $1 AND user_id = $2 AND kind = 'passkey' RETURNING name`,
      [id, userId],
    );
    return rows[0];
  }

  /**
   * Records a use: the signature counter must move forward (or both stay 0, for authenticators
   * that keep no counter). One compare-and-swap, so two assertions racing with one counter value
   * cannot both pass.
   */
  useStatement(id: string, newCount: number, now: Date): SqlStatement {
    return {
      sql: `UPDATE mfa_factors SET sign_count = $2, last_used_at = $3, updated_at = $3
             WHERE id = $1 AND kind = 'passkey' AND (sign_count < $2 OR ($2 = 0 AND sign_count = 0)) RETURNING id`,
      params: [id, newCount, now],
    };
  }

  async createChallenge(c: Omit<StoredWebauthnChallenge, 'id'>, now: Date, db: Db = this.dataSource): Promise<string> {
    // Expired challenges nobody answered are swept as new ones are made.
    await db.query(
      `DELETE FROM mfa_webauthn_challenges WHERE id IN (SELECT id FROM mfa_webauthn_challenges WHERE expires_at < $1 LIMIT 100)`,
      [now],
    );
    const rows: Array<{ id: string }> = await db.query(
      `INSERT INTO mfa_webauthn_challenges (purpose, user_id, mfa_challenge_id, challenge, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [c.purpose, c.userId, c.mfaChallengeId, c.challenge, now, c.expiresAt],
    );
    return rows[0].id;
  }

  /** Takes a challenge out, whatever its state: a challenge is answered at most once. */
  async consumeChallenge(id: string, purpose: WebauthnPurpose): Promise<StoredWebauthnChallenge | undefined> {
    const rows = await returning<Record<string, unknown>>(
      this.dataSource,
      `DELETE FROM mfa_webauthn_challenges WHERE id = $1 AND purpose = $2
       RETURNING id, purpose, user_id, mfa_challenge_id, challenge, expires_at`,
      [id, purpose],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id as string,
          purpose: row.purpose as WebauthnPurpose,
          userId: row.user_id as string | null,
          mfaChallengeId: row.mfa_challenge_id as string | null,
          challenge: row.challenge as string,
          expiresAt: new Date(row.expires_at as string),
        }
      : undefined;
  }
}
