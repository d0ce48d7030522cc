import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import type { ProviderIdentity } from './provider-clients';

export interface IdentityRow {
  id: string;
  user_id: string;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  linked_at: Date;
  last_used_at: Date | null;
}

export type FlowIntent = 'sign_in' | 'link' | 'reauth';
export type FlowStage = 'started' | 'returned' | 'link_required' | 'done';

export interface FlowRow {
  id: string;
  provider: string;
  intent: FlowIntent;
  user_id: string | null;
  session_id: string | null;
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  stage: FlowStage;
  identity: ProviderIdentity | null;
  error: string | null;
  expires_at: Date;
}

function rowsOf<T>(raw: unknown): T[] {
  // UPDATE ... RETURNING answers [rows, count] through TypeORM's query().
  return (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) ? raw[0] : raw) as T[];
}

/** connected_identities and connected_account_flows, owned by this lib. */
@Injectable()
export class ConnectedAccountsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.dataSource;
  }

  // --- identities -------------------------------------------------------------------------

  async findIdentity(provider: string, issuer: string, subject: string, m?: EntityManager): Promise<IdentityRow | undefined> {
    const rows: IdentityRow[] = await this.q(m).query(
      `SELECT * FROM connected_identities WHERE provider = $1 AND issuer = $2 AND subject = $3`,
      [provider, issuer, subject],
    );
    return rows[0];
  }

  listForUser(userId: string, m?: EntityManager): Promise<IdentityRow[]> {
    return this.q(m).query(`SELECT * FROM connected_identities WHERE user_id = $1 ORDER BY linked_at, id`, [userId]);
  }

  /** Undefined when the identity (or this provider for this user) is taken: the unique indexes decide. */
  async insertIdentity(
    userId: string,
    provider: string,
    identity: ProviderIdentity,
    at: Date,
    m: EntityManager,
  ): Promise<IdentityRow | undefined> {
    const rows: IdentityRow[] = await m.query(
      `INSERT INTO connected_identities (user_id, provider, issuer, subject, email, email_verified, linked_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING *`,
      [userId, provider, identity.issuer, identity.subject, identity.email, identity.emailVerified, at],
    );
    return rows[0];
  }

  async touch(id: string, identity: ProviderIdentity, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE connected_identities SET last_used_at = $2, email = $3, email_verified = $4 WHERE id = $1`, [
      id,
      at,
      identity.email,
      identity.emailVerified,
    ]);
  }

  async deleteIdentity(userId: string, id: string, m: EntityManager): Promise<IdentityRow | undefined> {
    return rowsOf<IdentityRow>(
      await m.query(`DELETE FROM connected_identities WHERE id = $1 AND user_id = $2 RETURNING *`, [id, userId]),
    )[0];
  }

  // --- flows --------------------------------------------------------------------------------

  async insertFlow(flow: {
    stateHash: string;
    browserHash: string;
    provider: string;
    intent: FlowIntent;
    userId: string | null;
    sessionId: string | null;
    nonce: string;
    codeVerifier: string;
    now: Date;
    expiresAt: Date;
  }): Promise<void> {
    // Expired flows go as new ones come: the table holds minutes of traffic.
    await this.dataSource.query(`DELETE FROM connected_account_flows WHERE expires_at < $1`, [flow.now]);
    await this.dataSource.query(
      `INSERT INTO connected_account_flows
         (state_hash, browser_hash, provider, intent, user_id, session_id, nonce, code_verifier, stage, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'started', $9, $10)`,
      [
        flow.stateHash,
        flow.browserHash,
        flow.provider,
        flow.intent,
        flow.userId,
        flow.sessionId,
        flow.nonce,
        flow.codeVerifier,
        flow.now,
        flow.expiresAt,
      ],
    );
  }

  async findFlowByState(stateHash: string): Promise<FlowRow | undefined> {
    const rows: FlowRow[] = await this.dataSource.query(`SELECT * FROM connected_account_flows WHERE state_hash = $1`, [stateHash]);
    return rows[0];
  }

  /** The browser's newest flow that is not finished. */
  async findFlowByBrowser(browserHash: string, now: Date): Promise<FlowRow | undefined> {
    const rows: FlowRow[] = await this.dataSource.query(
      `SELECT * FROM connected_account_flows WHERE browser_hash = $1 AND expires_at > $2 ORDER BY created_at DESC LIMIT 1`,
      [browserHash, now],
    );
    return rows[0];
  }

  /** A flow waiting at link_required lives on while its emailed link does. */
  async extendFlow(id: string, stage: FlowStage, expiresAt: Date): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(`UPDATE connected_account_flows SET expires_at = $3 WHERE id = $1 AND stage = $2 RETURNING id`, [
        id,
        stage,
        expiresAt,
      ]),
    );
    return rows.length === 1;
  }

  /** Compare-and-swap of the stage: false when another request moved it first (a replay). */
  async advance(
    id: string,
    from: FlowStage,
    to: FlowStage,
    set: { identity?: ProviderIdentity; error?: string; userId?: string } = {},
    m?: EntityManager,
  ): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.q(m).query(
        `UPDATE connected_account_flows
           SET stage = $3, identity = COALESCE($4::jsonb, identity), error = COALESCE($5, error), user_id = COALESCE($6::uuid, user_id)
         WHERE id = $1 AND stage = $2 RETURNING id`,
        [id, from, to, set.identity ? JSON.stringify(set.identity) : null, set.error ?? null, set.userId ?? null],
      ),
    );
    return rows.length === 1;
  }
}
