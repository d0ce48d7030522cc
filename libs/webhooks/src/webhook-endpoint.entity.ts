import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Where security events go: an account's endpoint (set by its owners) or a deployment-wide one
 * (account_id null, set through the service API). The signing secret is sealed with SecretBox
 * (it must be read to sign); during a rotation the previous one signs too until it expires.
 */
@Entity('webhook_endpoints')
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'account_id', type: 'uuid', nullable: true }) accountId: string | null;
  @Column({ type: 'text' }) url: string;
  @Column({ type: 'text' }) description: string;
  /** Event types it receives; empty: every type. */
  @Column({ type: 'text', array: true }) events: string[];
  @Column({ type: 'boolean' }) enabled: boolean;
  @Column({ name: 'secret_sealed', type: 'text' }) secretSealed: string;
  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true }) previousSecretSealed: string | null;
  @Column({ name: 'previous_expires_at', type: 'timestamptz', nullable: true }) previousExpiresAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
