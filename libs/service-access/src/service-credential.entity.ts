import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A named credential of the host application. Its secret is stored only as a SHA-256 hash (it is
 * 256 random bits, see hashToken). During a rotation the previous secret keeps working until
 * `previousExpiresAt`, so a host can roll its fleet over without a gap: never more than two.
 */
@Entity('service_credentials')
export class ServiceCredential {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', array: true }) scopes: string[];
  @Column({ name: 'secret_hash', type: 'text' }) secretHash: string;
  /** First characters of the secret, to tell credentials apart in a list (never enough to use). */
  @Column({ name: 'secret_hint', type: 'text' }) secretHint: string;
  @Column({ name: 'previous_secret_hash', type: 'text', nullable: true }) previousSecretHash: string | null;
  @Column({ name: 'previous_expires_at', type: 'timestamptz', nullable: true }) previousExpiresAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy: string;
  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true }) rotatedAt: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
