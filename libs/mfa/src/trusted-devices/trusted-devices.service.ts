import { ClientInfo, Clock, hashToken, randomToken } from '@latchkey/core';
import { User } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';

import { TrustedDeviceDto } from '../dto/mfa.dto';
import { TrustedDevice } from '../entities/trusted-device.entity';
import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from '../mfa.constants';
import { MfaNotifier } from '../mfa-notifier';
import { returning } from '../sql';

export const DEVICE_TOKEN_PREFIX = 'lkd_';

/** Devices that skip the second step for 30 days. Tokens are stored only as SHA-256. */
@Injectable()
export class TrustedDevicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly notifier: MfaNotifier,
  ) {}

  /** A sign-in asked to trust its device: a new device token, audited and mailed. */
  async trust(user: User, client: ClientInfo): Promise<{ token: string; expiresAt: Date }> {
    const issued = await this.dataSource.transaction(async (m) => {
      const d = await this.issue(user.id, client, m);
      await this.notifier.auditAndNotify(
        user,
        MfaAuditAction.TrustedDeviceAdded,
        { deviceId: d.device.id },
        'security.trusted_device_added',
        {
          when: this.clock.now().toUTCString(),
          until: d.device.expiresAt.toUTCString(),
          browser: client.browser,
          os: client.os,
          location: client.location,
          ip: client.ip ?? 'unknown',
        },
        m,
      );
      return d;
    });
    return { token: issued.token, expiresAt: issued.device.expiresAt };
  }

  async issue(userId: string, client: ClientInfo, m: EntityManager): Promise<{ token: string; device: TrustedDevice }> {
    const token = randomToken(32, DEVICE_TOKEN_PREFIX);
    const now = this.clock.now();
    const row = {
      userId,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.trustedDeviceTtlMs),
      lastUsedAt: null,
      revokedAt: null,
      ip: client.ip ?? null,
      browser: client.browser,
      os: client.os,
      deviceType: client.deviceType,
      location: client.location,
    };
    const result = await m.getRepository(TrustedDevice).insert(row);
    return { token, device: { ...row, id: (result.identifiers[0] as { id: string }).id } };
  }

  /** True when the token belongs to this user and is live; marks it used. */
  async isTrusted(userId: string, token: string | undefined): Promise<boolean> {
    if (!token || !token.startsWith(DEVICE_TOKEN_PREFIX) || token.length > 100) {
      return false;
    }
    const now = this.clock.now();
    const rows = await returning<{ id: string }>(
      this.dataSource,
      `UPDATE mfa_trusted_devices SET last_used_at = $3
        WHERE token_hash = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 RETURNING id`,
      [hashToken(token), userId, now],
    );
    return rows.length === 1;
  }

  async list(userId: string): Promise<TrustedDeviceDto[]> {
    const rows = await this.dataSource.getRepository(TrustedDevice).find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
      order: { createdAt: 'DESC' },
    });
    return rows.map((d) => ({
      id: d.id,
      createdAt: d.createdAt.toISOString(),
      expiresAt: d.expiresAt.toISOString(),
      lastUsedAt: d.lastUsedAt?.toISOString() ?? null,
      ip: d.ip,
      browser: d.browser,
      os: d.os,
      deviceType: d.deviceType,
      location: d.location,
    }));
  }

  async revoke(userId: string, id: string, m?: EntityManager): Promise<boolean> {
    const rows = await returning<{ id: string }>(
      m ?? this.dataSource,
      `UPDATE mfa_trusted_devices SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [id, userId, this.clock.now()],
    );
    return rows.length === 1;
  }

  async revokeAll(userId: string, m?: EntityManager): Promise<number> {
    const rows = await returning<{ id: string }>(
      m ?? this.dataSource,
      `UPDATE mfa_trusted_devices SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, this.clock.now()],
    );
    return rows.length;
  }
}
