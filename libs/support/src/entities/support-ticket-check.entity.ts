import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type CheckKind = 'email_control' | 'sign_in_history' | 'account_knowledge' | 'government_id' | 'phone_callback';
export const CHECK_KINDS: readonly CheckKind[] = [
  'email_control',
  'sign_in_history',
  'account_knowledge',
  'government_id',
  'phone_callback',
];
/** Kinds an agent records by hand; email control is recorded when the emailed link is followed. */
export const AGENT_CHECK_KINDS: readonly CheckKind[] = CHECK_KINDS.filter((k) => k !== 'email_control');

@Entity('support_ticket_checks')
export class SupportTicketCheck {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'ticket_id', type: 'uuid' }) ticketId: string;
  @Column({ type: 'text' }) kind: CheckKind;
  @Column({ type: 'text' }) note: string;
  @Column({ name: 'agent_id', type: 'uuid', nullable: true }) agentId: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
