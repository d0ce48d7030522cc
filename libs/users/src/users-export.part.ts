import { DataExportPart, DataExportParts, DataExportSink, isoTime } from '@latchkey/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The profile (never the password hash) with the avatar, and the preferences, in the data export. */
@Injectable()
export class ProfileExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'profile';
  readonly tables = ['users', 'user_avatars'];

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
    const [u] = await this.dataSource.query(
      `SELECT id, email, email_verified_at, display_name, phone, timezone, language, company, bio, staff_role,
              password_changed_at, created_at, updated_at
         FROM users WHERE id = $1`,
      [userId],
    );
    const [avatar] = await this.dataSource.query(`SELECT content_type, data, updated_at FROM user_avatars WHERE user_id = $1`, [userId]);
    await sink.json('profile', {
      id: u.id,
      email: u.email,
      emailVerifiedAt: isoTime(u.email_verified_at),
      displayName: u.display_name,
      phone: u.phone,
      timezone: u.timezone,
      language: u.language,
      company: u.company,
      bio: u.bio,
      staffRole: u.staff_role,
      passwordChangedAt: isoTime(u.password_changed_at),
      createdAt: isoTime(u.created_at),
      updatedAt: isoTime(u.updated_at),
      avatar: avatar
        ? { contentType: avatar.content_type, updatedAt: isoTime(avatar.updated_at), base64: Buffer.from(avatar.data).toString('base64') }
        : null,
    });
  }
}

@Injectable()
export class PreferencesExportPart implements DataExportPart, OnModuleInit {
  readonly area = 'preferences';
  readonly tables = ['users'];

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
    const [u] = await this.dataSource.query(`SELECT preferences FROM users WHERE id = $1`, [userId]);
    const preferences = typeof u?.preferences === 'string' ? JSON.parse(u.preferences) : (u?.preferences ?? {});
    await sink.json('preferences', preferences);
  }
}
