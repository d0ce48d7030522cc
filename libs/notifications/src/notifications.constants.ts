export const NOTIFICATIONS_QUEUE = 'notifications';
export const DELIVER_JOB = 'deliver';
/** Defaults; NOTIFICATION_MAX_ATTEMPTS and NOTIFICATION_BACKOFF_MS override them (config.notifications). */
export const DELIVERY_ATTEMPTS = 5;
export const DELIVERY_BACKOFF_MS = 2000;
/**
 * How long a worker owns a delivery before another may take it over. The owner renews the lease
 * every DELIVERY_HEARTBEAT_MS while it sends, so a slow send keeps it and a dead worker's mail
 * is picked up by another within about this long.
 */
export const DELIVERY_LEASE_MS = 15_000;
export const DELIVERY_HEARTBEAT_MS = 5_000;
/**
 * A 'sending' row is taken over only this long after its lease ran out: a worker cut off from
 * the database (a restart) gets this much time, once it is back, to record what it sent.
 */
export const DELIVERY_RECLAIM_GRACE_MS = 5_000;
/** A queued row not finished by then is presumed lost with its queue (a killed in-process worker) and relayed again. */
export const QUEUE_LEASE_MIN_MS = 60_000;
export const RELAY_BATCH = 200;
export const RELAY_INTERVAL_MS = 250;
/** After the queue refused a batch (Redis down), wait before trying again. */
export const RELAY_FAILURE_PAUSE_MS = 2000;

export function queueLeaseMs(maxAttempts: number, backoffMs: number): number {
  return Math.max(QUEUE_LEASE_MIN_MS, 2 * backoffMs * 2 ** maxAttempts);
}

/** The queue's job id of one outbox row in one relay generation (a replay or a re-relay starts a new one). */
export function deliveryJobId(outboxId: string, generation: number): string {
  return `${outboxId}.${generation}`;
}
