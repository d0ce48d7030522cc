import { AuditService } from '@latchkey/audit';
import { EventType, NotificationsService } from '@latchkey/notifications';
import { User } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** What every MFA change does besides itself: an audit entry, and a mail to the user. */
@Injectable()
export class MfaNotifier {
  constructor(
    private readonly auditLog: AuditService,
    private readonly notifications: NotificationsService,
  ) {}

  record(entry: Parameters<AuditService['record']>[0], m?: EntityManager): Promise<void> {
    return this.auditLog.record(entry, m);
  }

  /** The user changed something of their own, outside a transaction. */
  async audit(userId: string, action: string, metadata: Record<string, unknown>): Promise<void> {
    await this.auditLog.record({ action, actorUserId: userId, subjectUserId: userId, metadata });
  }

  async auditAndNotify(
    user: User,
    action: string,
    metadata: Record<string, unknown>,
    event: EventType,
    data: Record<string, unknown>,
    m: EntityManager,
  ): Promise<void> {
    await this.auditLog.record({ action, actorUserId: user.id, subjectUserId: user.id, metadata }, m);
    await this.notify(user, event, data, m);
  }

  async notify(user: User, event: EventType, data: Record<string, unknown>, m: EntityManager): Promise<void> {
    await this.notifications.notify(
      { event, to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language }, data },
      m,
    );
  }
}
