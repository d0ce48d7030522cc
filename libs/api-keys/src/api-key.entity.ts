import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A personal access token. Its secret (`lk_pat_` + 256 random bits) is stored only as a SHA-256
 * hash (high entropy: no salt or slow hash needed, see hashToken), with the first characters kept
 * to tell keys apart in a list.
 */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'account_id', type: 'uuid', nullable: true }) accountId: string | null;
  @Column({ name: 'role_cap', type: 'text', nullable: true }) roleCap: string | null;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', array: true }) scopes: string[];
  @Column({ name: 'secret_hash', type: 'text' }) secretHash: string;
  @Column({ type: 'text' }) prefix: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'last_used_ip', type: 'text', nullable: true }) lastUsedIp: string | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoked_by', type: 'uuid', nullable: true }) revokedBy: string | null;
}
