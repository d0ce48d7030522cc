import { Clock, RateLimitStore, SecretBox, constantTimeEqual, randomDigits } from '@latchkey/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { SmsCodePurpose } from '../entities/sms-code.entity';
import { MFA_OPTIONS, MfaOptions } from '../mfa.constants';
import { mfaError } from '../mfa.exception';
import { returning } from '../sql';

export interface SmsCodeScope {
  userId: string;
  purposes: SmsCodePurpose[];
  challengeId?: string | null;
}

/** Six-digit codes, stored hashed, valid 10 minutes, a few attempts each, one resend per cool-down. */
@Injectable()
export class SmsCodesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly rateLimits: RateLimitStore,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly secrets: SecretBox,
  ) {}

  /** Keyed: a six-digit code under plain SHA-256 falls to a million guesses offline. */
  private hash(userId: string, code: string) {
    return this.secrets.mac(`${userId}:${code}`, 'sms-code');
  }

  /** A new code replacing any pending one of the same scope; refuses a resend inside the cool-down. */
  async issue(userId: string, purpose: SmsCodePurpose, challengeId: string | null): Promise<{ code: string; expiresAt: Date }> {
    await this.reserveSend(userId, purpose);
    return this.dataSource.transaction((m) => this.store(userId, purpose, challengeId, m));
  }

  /** The sending limits (cool-down, texts per hour): checked before anything a refusal must not spend. */
  async reserveSend(userId: string, purpose: SmsCodePurpose): Promise<void> {
    const now = this.clock.now();
    const recent: Array<{ created_at: Date }> = await this.dataSource.query(
      `SELECT created_at FROM mfa_sms_codes WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [userId, purpose],
    );
    if (recent[0]) {
      const waitMs = new Date(recent[0].created_at).getTime() + this.options.smsResendCooldownMs - now.getTime();
      if (waitMs > 0) {
        throw mfaError('SMS_RESEND_TOO_SOON', 'A code was just sent. Wait a moment before asking for another one.', {
          retryAfterSeconds: Math.ceil(waitMs / 1000),
        });
      }
    }
    const hourly = await this.rateLimits.hit(`mfa:sms:${userId}`, 3600_000, now.getTime());
    if (hourly.count > this.options.smsPerHour) {
      throw mfaError('SMS_RESEND_TOO_SOON', 'Too many text messages were sent to this account. Try again later or use another method.', {
        retryAfterSeconds: Math.max(1, Math.ceil((hourly.resetAt - now.getTime()) / 1000)),
      });
    }
  }

  /** Stores a new code (after reserveSend), replacing any pending one of the same scope. */
  async store(
    userId: string,
    purpose: SmsCodePurpose,
    challengeId: string | null,
    m: EntityManager,
  ): Promise<{ code: string; expiresAt: Date }> {
    const now = this.clock.now();
    const code = randomDigits(6);
    const expiresAt = new Date(now.getTime() + this.options.smsCodeTtlMs);
    await m.query(`DELETE FROM mfa_sms_codes WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [userId, purpose]);
    await m.query(
      `INSERT INTO mfa_sms_codes (user_id, purpose, challenge_id, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [userId, purpose, challengeId, this.hash(userId, code), now, expiresAt],
    );
    return { code, expiresAt };
  }

  /** Checks the newest pending code of the scope; spends an attempt, and the code itself when it matches. */
  async verify(scope: SmsCodeScope, code: string, m?: EntityManager): Promise<SmsCodePurpose | undefined> {
    const matched = await this.match(scope, code, m);
    return matched && (await this.spend(matched.id, m ?? this.dataSource)) ? matched.purpose : undefined;
  }

  /** Spends an attempt of the newest pending code of the scope; the code's id when it matches (not spent yet). */
  async match(scope: SmsCodeScope, code: string, m?: EntityManager): Promise<{ id: string; purpose: SmsCodePurpose } | undefined> {
    if (!/^\d{6}$/.test(code)) {
      return undefined;
    }
    const now = this.clock.now();
    const rows = await returning<{ id: string; code_hash: string; purpose: SmsCodePurpose }>(
      m ?? this.dataSource,
      `UPDATE mfa_sms_codes SET attempts = attempts + 1
        WHERE id = (SELECT id FROM mfa_sms_codes
                     WHERE user_id = $1 AND purpose = ANY($2::text[]) AND used_at IS NULL AND expires_at > $3
                       AND challenge_id IS NOT DISTINCT FROM $4::uuid
                     ORDER BY created_at DESC LIMIT 1)
          AND attempts < $5
        RETURNING id, code_hash, purpose`,
      [scope.userId, scope.purposes, now, scope.challengeId ?? null, this.options.smsCodeMaxAttempts],
    );
    const row = rows[0];
    if (!row || !constantTimeEqual(row.code_hash, this.hash(scope.userId, code))) {
      return undefined;
    }
    return { id: row.id, purpose: row.purpose };
  }

  /** Compare-and-swap: true for exactly one spender of a code. */
  async spend(id: string, m: EntityManager | DataSource): Promise<boolean> {
    const spent = await returning<{ id: string }>(
      m,
      `UPDATE mfa_sms_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id`,
      [id, this.clock.now()],
    );
    return spent.length === 1;
  }

  async removeAll(userId: string, m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM mfa_sms_codes WHERE user_id = $1`, [userId]);
  }
}
