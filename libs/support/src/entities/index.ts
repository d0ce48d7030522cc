export * from './support-ticket-check.entity';
export * from './support-ticket-event.entity';
export * from './support-ticket.entity';
