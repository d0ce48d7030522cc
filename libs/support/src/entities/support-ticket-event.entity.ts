import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import { TicketState } from '../ticket-state';

@Entity('support_ticket_events')
export class SupportTicketEvent {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'ticket_id', type: 'uuid' }) ticketId: string;
  @Column({ name: 'from_state', type: 'text', nullable: true }) fromState: TicketState | null;
  @Column({ name: 'to_state', type: 'text' }) toState: TicketState;
  @Column({ name: 'actor_id', type: 'uuid', nullable: true }) actorId: string | null;
  @Column({ name: 'actor_kind', type: 'text' }) actorKind: 'user' | 'staff' | 'system' | 'anonymous';
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ type: 'timestamptz' }) at: Date;
}
