export const NOTIFICATIONS_QUEUE = 'notifications';
export const DELIVER_JOB = 'deliver';
export const DELIVERY_ATTEMPTS = 5;
export const DELIVERY_BACKOFF_MS = 2000;
/** How long a worker owns a delivery before another may take it over. */
export const DELIVERY_LEASE_MS = 120_000;
