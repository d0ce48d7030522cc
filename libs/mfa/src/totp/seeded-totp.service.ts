import { Clock, SecretBox } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** For the demo seed (and tests that need it): a confirmed authenticator with a known secret. */
@Injectable()
export class SeededTotp {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** Unless the user already has an authenticator. */
  async ensureConfirmed(userId: string, secret: string): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      `INSERT INTO mfa_factors (user_id, kind, name, secret_sealed, confirmed_at, created_at, updated_at)
       SELECT $1, 'totp', 'Authenticator app', $2, $3, $3, $3
        WHERE NOT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NOT NULL)
       ON CONFLICT DO NOTHING`,
      [userId, this.secrets.seal(secret, userId), now],
    );
  }
}
