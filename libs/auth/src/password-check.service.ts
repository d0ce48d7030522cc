import { AuditAction, AuditService } from '@latchkey/audit';
import { ClientInfo, PasswordHasher, describeClient, requestContext } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { PasswordGate, User } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { authError } from './auth.exception';
import { LoginActivityService } from './login-activity.service';
import { AttemptTicket, LoginThrottle } from './login-throttle.service';

/**
 * Every check of a known user's password (sign-in, reauth, password change, email change) runs
 * here: the IP limit, the per-email attempt reserved before the hash, the lockout, login activity
 * and the audit log. A wrong password anywhere counts as a wrong sign-in.
 */
@Injectable()
export class PasswordCheck extends PasswordGate {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly activity: LoginActivityService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  async check(user: User, password: string, field = 'password', client: ClientInfo = currentClient()): Promise<void> {
    const ticket = await this.reserve(user.email, client, user);
    let ok: boolean;
    try {
      ok = user.passwordHash ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyDummy(password);
    } catch (err) {
      await this.throttle.release(ticket);
      throw err;
    }
    if (!ok) {
      await this.failed(user, ticket, client, 'wrong_password');
      throw authError('WRONG_PASSWORD', field === 'currentPassword' ? 'The current password is not right.' : 'The password is not right.', {
        errors: [{ field, message: 'is not right' }],
      });
    }
    await this.throttle.succeeded(ticket);
  }

  /**
   * The IP limit, then an attempt for this email (ACCOUNT_LOCKED while locked), in one round trip
   * to the rate-limit store; a refusal of either lands in login activity.
   */
  async reserve(email: string, client: ClientInfo, user: User | null | (() => Promise<User | null>)): Promise<AttemptTicket> {
    try {
      return await this.throttle.reserve(client.ip, email);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'TOO_MANY_ATTEMPTS') {
        await this.activity.record(null, client, 'throttled', 'ip_rate_limited');
        throw err;
      }
      if (code !== 'ACCOUNT_LOCKED') {
        throw err;
      }
      const known = typeof user === 'function' ? await user() : user;
      await this.activity.record(known?.id ?? null, client, 'locked', 'account_locked');
      const lockedNow = (err as { lockedNow?: Date }).lockedNow;
      if (known && lockedNow) {
        await this.notifyLocked(known, lockedNow);
      }
      throw err;
    }
  }

  /** A wrong password: counts towards the lock, lands in login activity and (for a known user) the audit log. */
  async failed(user: User | null, ticket: AttemptTicket, client: ClientInfo, reason: string): Promise<void> {
    const lockedUntil = await this.throttle.failed(ticket);
    await this.activity.record(user?.id ?? null, client, 'failure', reason);
    if (user) {
      await this.audit.record({ action: AuditAction.LoginFailed, subjectUserId: user.id, metadata: { reason } });
      if (lockedUntil) {
        await this.notifyLocked(user, lockedUntil);
      }
    }
  }

  private async notifyLocked(user: User, until: Date) {
    await this.dataSource.transaction(async (m) => {
      await this.audit.record(
        { action: AuditAction.AccountLocked, subjectUserId: user.id, actorKind: 'system', metadata: { until: until.toISOString() } },
        m,
      );
      await this.notifications.notify(
        {
          event: 'security.account_locked',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: { until: until.toUTCString() },
        },
        m,
      );
    });
  }
}

function currentClient(): ClientInfo {
  const ctx = requestContext.get();
  return describeClient(ctx?.ip, ctx?.userAgent);
}
