import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TokenPurpose = 'verify_email' | 'password_reset' | 'email_change' | 'deletion_cancel' | 'provider_link';

/** Single-use emailed tokens; only the SHA-256 of the token is stored. */
@Entity('user_tokens')
export class UserToken {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) purpose: TokenPurpose;
  @Column({ name: 'token_hash', type: 'text' }) tokenHash: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON column
  @Column({ type: 'jsonb' }) data: Record<string, any>;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt: Date | null;
}
