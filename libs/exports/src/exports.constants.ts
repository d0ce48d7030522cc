export const EXPORTS_QUEUE = 'exports';
export const RUN_EXPORT_JOB = 'run';

/** One export per user in this window (a failed export does not count). */
export const EXPORT_WINDOW_MS = 24 * 60 * 60_000;
/** A ready file is deleted this long after it was made. */
export const EXPORT_RETENTION_MS = 7 * 24 * 60 * 60_000;
/**
 * A running export holds a lease, renewed every EXPORT_HEARTBEAT_MS while it writes; a worker that
 * died with it stops renewing, and the sweep starts the export again after the lease ran out.
 */
export const EXPORT_LEASE_MS = 60_000;
export const EXPORT_HEARTBEAT_MS = 10_000;
/** A queued export not started by then is presumed lost with its queue and queued again. */
export const EXPORT_QUEUE_LEASE_MS = 10 * 60_000;
/** Runs of one export (the first and the restarts after a crash or an error) before it fails for good. */
export const EXPORT_MAX_ATTEMPTS = 3;
export const EXPORT_RETRY_BACKOFF_MS = 30_000;
/** How often each worker sweeps: stale runs restarted, lost jobs queued again, old files deleted. */
export const EXPORT_SWEEP_INTERVAL_MS = 15_000;
/** Exports shown by the list. */
export const EXPORT_LIST_LIMIT = 10;

/** The areas every export must hold; their libs register them (DataExportParts). Later libs add theirs. */
export const REQUIRED_EXPORT_AREAS = [
  'profile',
  'preferences',
  'sessions',
  'login-activity',
  'factors',
  'trusted-devices',
  'memberships',
  'invitations',
  'notifications',
  'notification-preferences',
  'support-tickets',
  'audit-log',
  'consent-records',
  'api-keys',
  'connected-accounts',
] as const;

export const ExportsAuditAction = {
  ExportRequested: 'privacy.export_requested',
  ExportDownloaded: 'privacy.export_downloaded',
} as const;

export type DataExportState = 'queued' | 'running' | 'ready' | 'failed' | 'expired';
export const DATA_EXPORT_STATES: readonly DataExportState[] = ['queued', 'running', 'ready', 'failed', 'expired'];

/** The queue's job id of one run of an export (every restart is a new generation). */
export function exportJobId(exportId: string, generation: number): string {
  return `export.${exportId}.${generation}`;
}
