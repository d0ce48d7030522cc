import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ConsentPurpose = 'analytics' | 'marketing_email';
export type ConsentSource = 'console' | 'api' | 'host';

/** One change of a privacy choice: append-only, the newest per purpose is the current state. */
@Entity('consent_records')
export class ConsentRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) purpose: ConsentPurpose;
  @Column({ type: 'boolean' }) granted: boolean;
  @Column({ type: 'text' }) source: ConsentSource;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'text', nullable: true }) userAgent: string | null;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
}
