import type { EntityManager } from 'typeorm';

export interface RecordedAuditEntry {
  id: string;
  occurredAt: Date;
  action: string;
  actorKind: string;
  actorUserId: string | null;
  subjectUserId: string | null;
  accountId: string | null;
  metadata: Record<string, unknown>;
}

/**
 * Told of every audit entry, in the transaction that wrote it (the manager is absent when the
 * entry was written on its own). Security webhooks (libs/webhooks) are its provider; the boot
 * fails without one.
 */
export abstract class AuditSink {
  /** Whether `recorded` would write anything for this entry (entries written in a batch must not need it). */
  abstract interested(entry: Omit<RecordedAuditEntry, 'id'>): boolean;
  abstract recorded(entry: RecordedAuditEntry, manager: EntityManager | undefined): Promise<void>;
}
