import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type LoginOutcome = 'success' | 'mfa_required' | 'mfa_setup_required' | 'failure' | 'locked' | 'throttled' | 'mfa_failed';

@Entity('login_activity')
export class LoginActivity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid', nullable: true }) userId: string | null;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ type: 'text' }) outcome: LoginOutcome;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'text', nullable: true }) userAgent: string | null;
  @Column({ type: 'text', nullable: true }) browser: string | null;
  @Column({ type: 'text', nullable: true }) os: string | null;
  @Column({ name: 'device_type', type: 'text', nullable: true }) deviceType: string | null;
  @Column({ type: 'text', nullable: true }) location: string | null;
}
