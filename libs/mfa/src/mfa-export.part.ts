import { DataExportPart, DataExportParts, DataExportSink, isoTime } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { MfaFactor } from './entities/mfa-factor.entity';
import { FactorRegistry } from './factors/factor-registry';

/**
 * Second factors in the data export: which kinds, the phone, when added and used, and the backup
 * codes' dates, and what each kind's strategy adds (a passkey's name, transports and last use).
 * Never a TOTP secret (sealed or open), a code hash, nor a passkey's credential id or public key
 * (keys, not data about the person).
 */
@Injectable()
export class FactorsExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'factors';
  readonly tables = ['mfa_factors', 'mfa_backup_codes'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
    private readonly registry: FactorRegistry,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(): Promise<number> {
    return 1;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const factors = await this.dataSource.getRepository(MfaFactor).find({ where: { userId }, order: { createdAt: 'ASC' } });
    const codes: Array<{ created_at: Date; used_at: Date | null }> = await this.dataSource.query(
      `SELECT created_at, used_at FROM mfa_backup_codes WHERE user_id = $1 ORDER BY created_at, used_at NULLS LAST`,
      [userId],
    );
    await sink.json('factors', {
      factors: factors.map((f) => ({
        kind: f.kind,
        phone: f.phone,
        ...this.registry.find(f.kind)?.exported?.(f),
        confirmedAt: isoTime(f.confirmedAt),
        createdAt: isoTime(f.createdAt),
        updatedAt: isoTime(f.updatedAt),
      })),
      backupCodes: {
        total: codes.length,
        unused: codes.filter((c) => !c.used_at).length,
        codes: codes.map((c) => ({ createdAt: isoTime(c.created_at), usedAt: isoTime(c.used_at) })),
      },
    });
  }
}

/** Trusted devices in the data export, without their token hash. */
@Injectable()
export class TrustedDevicesExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'trusted-devices';
  readonly tables = ['mfa_trusted_devices'];

  constructor(
    private readonly parts: DataExportParts,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit() {
    this.parts.register(this);
  }

  async count(): Promise<number> {
    return 1;
  }

  async write(userId: string, sink: DataExportSink): Promise<void> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, created_at, expires_at, last_used_at, revoked_at, ip, browser, os, device_type, location
         FROM mfa_trusted_devices WHERE user_id = $1 ORDER BY created_at DESC, id DESC`,
      [userId],
    );
    await sink.json(
      'trusted-devices',
      rows.map((d) => ({
        id: d.id,
        createdAt: isoTime(d.created_at as Date),
        expiresAt: isoTime(d.expires_at as Date),
        lastUsedAt: isoTime(d.last_used_at as Date | null),
        revokedAt: isoTime(d.revoked_at as Date | null),
        ip: d.ip,
        browser: d.browser,
        os: d.os,
        deviceType: d.device_type,
        location: d.location,
      })),
    );
  }
}
