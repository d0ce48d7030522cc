import type { SessionRestriction } from '@latchkey/core';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A signed-in device. Only the SHA-256 of the bearer token is stored. */
@Entity('sessions')
export class Session {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'token_hash', type: 'text' }) tokenHash: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'last_active_at', type: 'timestamptz' }) lastActiveAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoked_reason', type: 'text', nullable: true }) revokedReason: string | null;
  @Column({ type: 'text', nullable: true }) restriction: SessionRestriction | null;
  @Column({ name: 'reauthenticated_at', type: 'timestamptz', nullable: true }) reauthenticatedAt: Date | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'text', nullable: true }) userAgent: string | null;
  @Column({ type: 'text', nullable: true }) browser: string | null;
  @Column({ type: 'text', nullable: true }) os: string | null;
  @Column({ name: 'device_type', type: 'text', nullable: true }) deviceType: string | null;
  @Column({ type: 'text', nullable: true }) location: string | null;
}
