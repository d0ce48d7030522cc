import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import { TicketState } from '../ticket-state';

export type TicketType = 'mfa_reset' | 'account_deletion' | 'other';
export const TICKET_TYPES: readonly TicketType[] = ['mfa_reset', 'account_deletion', 'other'];

@Entity('support_tickets')
export class SupportTicket {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** SUP-000042: numbered by the database on insert; what mails show and staff search. */
  @Column({ type: 'text', insert: false, update: false }) reference: string;
  @Column({ type: 'text' }) type: TicketType;
  @Column({ type: 'text' }) email: string;
  @Column({ name: 'user_id', type: 'uuid', nullable: true }) userId: string | null;
  @Column({ type: 'text' }) message: string;
  @Column({ type: 'text' }) state: TicketState;
  @Column({ name: 'confirm_token_hash', type: 'text', nullable: true }) confirmTokenHash: string | null;
  @Column({ name: 'cancel_token_hash', type: 'text', nullable: true }) cancelTokenHash: string | null;
  /** The cancel link is re-sent with the approval, so it is kept sealed (never shown to agents). */
  @Column({ name: 'cancel_token_sealed', type: 'text', nullable: true }) cancelTokenSealed: string | null;
  @Column({ name: 'verifier_id', type: 'uuid', nullable: true }) verifierId: string | null;
  @Column({ name: 'approver_id', type: 'uuid', nullable: true }) approverId: string | null;
  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true }) approvedAt: Date | null;
  @Column({ name: 'execute_after', type: 'timestamptz', nullable: true }) executeAfter: Date | null;
  @Column({ name: 'executed_at', type: 'timestamptz', nullable: true }) executedAt: Date | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
