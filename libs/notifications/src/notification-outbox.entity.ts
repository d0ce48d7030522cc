import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OutboxStatus = 'pending' | 'queued' | 'sending' | 'delivered' | 'dead' | 'skipped';

@Entity('notification_outbox')
export class NotificationOutbox {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'text' }) event: string;
  /**
   * `webhook`: a security webhook (libs/webhooks), recipient `webhook:<endpoint id>`.
   * `account_discord`: an account alert to the account's Discord webhook, recipient `account:<account id>`.
   */
  @Column({ type: 'text' }) channel: 'email' | 'sms' | 'discord' | 'webhook' | 'account_discord';
  @Column({ type: 'int' }) generation: number;
  @Column({ name: 'user_id', type: 'uuid', nullable: true }) userId: string | null;
  @Column({ type: 'text' }) recipient: string;
  @Column({ type: 'jsonb' }) payload: OutboxPayload;
  @Column({ name: 'idempotency_key', type: 'text' }) idempotencyKey: string;
  @Column({ type: 'text' }) status: OutboxStatus;
  @Column({ type: 'int' }) attempts: number;
  @Column({ name: 'available_at', type: 'timestamptz' }) availableAt: Date;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true }) leaseUntil: Date | null;
  /** The worker (notification_workers) holding the row while it is 'sending', or 'queued' in its in-process queue. */
  @Column({ name: 'worker_id', type: 'uuid', nullable: true }) workerId: string | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'request_id', type: 'text', nullable: true }) requestId: string | null;
}

export interface OutboxPayload {
  name?: string;
  locale?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON column
  data: Record<string, any>;
  /** A host event type's version (notification_event_types): the templates the row renders with. */
  hostVersion?: number;
  /** The token links of `data`, sealed (outbox-secrets.ts); removed once the row is done. */
  sealed?: string;
  /** Set when the sealed links were wiped (delivered, skipped or dead). */
  wiped?: boolean;
}
