import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('mfa_trusted_devices')
export class TrustedDevice {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'token_hash', type: 'text' }) tokenHash: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ type: 'text', nullable: true }) browser: string | null;
  @Column({ type: 'text', nullable: true }) os: string | null;
  @Column({ name: 'device_type', type: 'text', nullable: true }) deviceType: string | null;
  @Column({ type: 'text', nullable: true }) location: string | null;
}
