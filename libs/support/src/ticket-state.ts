import { supportError } from './support.exception';

export type TicketState =
  | 'awaiting_email_confirmation'
  | 'open'
  | 'verifying'
  | 'awaiting_approval'
  | 'approved'
  | 'executed'
  | 'rejected'
  | 'cancelled'
  | 'expired';

export const TICKET_STATES: readonly TicketState[] = [
  'awaiting_email_confirmation',
  'open',
  'verifying',
  'awaiting_approval',
  'approved',
  'executed',
  'rejected',
  'cancelled',
  'expired',
];

/** The one transition table. Ends (executed, rejected, cancelled, expired) lead nowhere. */
export const TRANSITIONS: Readonly<Record<TicketState, readonly TicketState[]>> = {
  awaiting_email_confirmation: ['open', 'cancelled', 'expired'],
  open: ['verifying', 'rejected', 'cancelled'],
  verifying: ['awaiting_approval', 'rejected', 'cancelled'],
  awaiting_approval: ['approved', 'rejected', 'cancelled'],
  approved: ['executed', 'cancelled'],
  executed: [],
  rejected: [],
  cancelled: [],
  expired: [],
};

export function canTransition(from: TicketState, to: TicketState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: TicketState, to: TicketState): void {
  if (!canTransition(from, to)) {
    throw supportError('ILLEGAL_TRANSITION', `A ticket cannot go from ${from} to ${to}.`, { data: { from, to } });
  }
}
