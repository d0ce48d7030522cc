export const NOTIFICATIONS_QUEUE = 'notifications';
export const DELIVER_JOB = 'deliver';
/** Defaults; NOTIFICATION_MAX_ATTEMPTS and NOTIFICATION_BACKOFF_MS override them (config.notifications). */
export const DELIVERY_ATTEMPTS = 5;
export const DELIVERY_BACKOFF_MS = 2000;
/**
 * Liveness of a delivery worker (notification_workers, judged by the database's clock so skew
 * between hosts cannot make a live worker look dead). Every worker beats every
 * WORKER_HEARTBEAT_MS; rows it holds ('sending', or 'queued' in its in-process queue) go back to
 * the outbox once its beat is WORKER_TIMEOUT_MS old, so a killed worker's mail moves on within
 * about WORKER_TIMEOUT_MS + RECLAIM_INTERVAL_MS + RELAY_INTERVAL_MS (under 10 s).
 */
export const WORKER_HEARTBEAT_MS = 2_000;
export const WORKER_TIMEOUT_MS = 8_000;
export const RECLAIM_INTERVAL_MS = 1_000;
/** A queued row not finished by then is presumed lost with its queue (a killed in-process worker) and relayed again. */
export const QUEUE_LEASE_MIN_MS = 60_000;
/** Rows claimed per relay poll (one statement), handed to the queue in jobs of DELIVERY_BATCH ids (one bulk add). */
export const RELAY_BATCH = 1000;
export const DELIVERY_BATCH = 50;
/** Messages one worker renders and sends at once (the SMTP pool queues what exceeds its connections). */
export const SEND_CONCURRENCY = 64;
/** Delivered marks: at most this many ids per UPDATE, and this many UPDATEs in flight. */
export const MARK_BATCH_MAX = 500;
export const MARK_FLUSHES = 2;
/** A mark the database refused (a restart) is retried this long before the job fails. */
export const MARK_RETRY_MS = 60_000;
export const RELAY_INTERVAL_MS = 250;
/** After the queue refused a batch (Redis down), wait before trying again. */
export const RELAY_FAILURE_PAUSE_MS = 2000;

export function queueLeaseMs(maxAttempts: number, backoffMs: number): number {
  return Math.max(QUEUE_LEASE_MIN_MS, 2 * backoffMs * 2 ** maxAttempts);
}

/**
 * The queue's job id of a batch: its first row in that row's relay generation. A row belongs to
 * one batch per generation (a replay or a re-relay starts a new one), so the id is unique.
 */
export function deliveryJobId(outboxId: string, generation: number): string {
  return `${outboxId}.${generation}`;
}

/** What the service API's event-type routes write to the audit log (actor kind `service`, the credential's name in `by`). */
export const NotificationsAuditAction = {
  EventTypeRegistered: 'notifications.event_type_registered',
  EventTypeVersioned: 'notifications.event_type_versioned',
  EventTypeRetired: 'notifications.event_type_retired',
} as const;
