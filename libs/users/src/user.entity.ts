import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export interface UserPreferences {
  theme?: 'light' | 'dark' | 'system';
  compactMode?: boolean;
  dateFormat?: string;
  timeFormat?: '12h' | '24h';
}

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) email: string;
  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true }) emailVerifiedAt: Date | null;
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: true }) passwordHash: string | null;
  @Column({ name: 'display_name', type: 'text' }) displayName: string;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ type: 'text' }) timezone: string;
  @Column({ type: 'text' }) language: string;
  @Column({ type: 'text', nullable: true }) company: string | null;
  @Column({ type: 'text', nullable: true }) bio: string | null;
  @Column({ type: 'jsonb' }) preferences: UserPreferences;
  @Column({ name: 'staff_role', type: 'text', nullable: true }) staffRole: 'support' | 'support_lead' | null;
  @Column({ name: 'avatar_version', type: 'int', nullable: true }) avatarVersion: number | null;
  @Column({ name: 'password_changed_at', type: 'timestamptz', nullable: true }) passwordChangedAt: Date | null;
  /** Set while a self-service deletion waits out its grace period. */
  @Column({ name: 'deletion_scheduled_for', type: 'timestamptz', nullable: true }) deletionScheduledFor: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
