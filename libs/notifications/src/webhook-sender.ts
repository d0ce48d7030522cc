import type { NotificationOutbox } from './notification-outbox.entity';

/**
 * The port the delivery worker sends `webhook` outbox rows through; libs/webhooks provides it
 * (signing, SSRF checks, the HTTP call). A throw is a failed attempt: the outbox retries it and,
 * after the last attempt, keeps it as a dead letter that can be replayed.
 */
export abstract class WebhookSender {
  abstract send(row: Pick<NotificationOutbox, 'id' | 'event' | 'recipient' | 'payload' | 'createdAt'>): Promise<'delivered' | 'skipped'>;
}
