import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_log')
export class AuditEntry {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ type: 'text' }) action: string;
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ name: 'actor_kind', type: 'text' }) actorKind: 'user' | 'staff' | 'system' | 'service' | 'anonymous';
  @Column({ name: 'subject_user_id', type: 'uuid', nullable: true }) subjectUserId: string | null;
  /** Once a user is erased: `deleted-user-<hash>` in place of their id. */
  @Column({ name: 'actor_pseudonym', type: 'text', nullable: true }) actorPseudonym: string | null;
  @Column({ name: 'subject_pseudonym', type: 'text', nullable: true }) subjectPseudonym: string | null;
  @Column({ name: 'account_id', type: 'uuid', nullable: true }) accountId: string | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'text', nullable: true }) userAgent: string | null;
  @Column({ name: 'request_id', type: 'text', nullable: true }) requestId: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON column
  @Column({ type: 'jsonb' }) metadata: Record<string, any>;
}
