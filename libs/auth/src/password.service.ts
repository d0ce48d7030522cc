import { AuditAction, AuditService } from '@latchkey/audit';
import {
  ApiKeyVerifier,
  BackgroundTasks,
  Clock,
  Links,
  MailCaps,
  PasswordHasher,
  UserPrincipal,
  RateLimitStore,
  sessionIdOf,
} from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UserTokensService, UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { authError } from './auth.exception';
import { LoginThrottle } from './login-throttle.service';
import { PasswordCheck } from './password-check.service';
import { SecondFactorProof, SignInSteps } from './sign-in-steps';

const RESET_TTL_MS = 3600_000;
/** Reset mails sent on someone's behalf: per recipient (against mail bombing) and per sender. */
const ASSISTED_PER_USER_PER_HOUR = 3;
const ASSISTED_PER_ACTOR_PER_HOUR = 30;

export interface ResetRequester {
  userId: string;
  kind: 'user' | 'staff';
  /** The account whose admin asked, so the entry shows in that account's audit log. */
  accountId?: string;
}

@Injectable()
export class PasswordService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: UserTokensService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly steps: SignInSteps,
    private readonly throttle: LoginThrottle,
    private readonly passwords: PasswordCheck,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly links: Links,
    private readonly rateLimits: RateLimitStore,
    private readonly mailCaps: MailCaps,
    private readonly background: BackgroundTasks,
    private readonly apiKeys: ApiKeyVerifier,
  ) {}

  /** Needs the current password; ends every other session, voids reset links, emails the user. */
  async change(principal: UserPrincipal, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.users.get(principal.userId);
    if (!user.passwordHash) {
      // Signed up through a provider: a first password is set only through the emailed reset link.
      throw authError('NO_PASSWORD_SET', 'You have no password yet: set one with "Forgot password?", which emails you a link.', {
        errors: [{ field: 'currentPassword', message: 'there is no password to change yet' }],
      });
    }
    await this.passwords.check(user, currentPassword, 'currentPassword');
    this.users.assertPassword(newPassword, user.email, 'newPassword');
    const hash = await this.hasher.hash(newPassword);
    const propagated = this.sessions.watch(user.id);
    await this.dataSource.transaction(async (m) => {
      await this.setPassword(user, hash, m);
      await this.sessions.revokeAll(user.id, { exceptSessionId: sessionIdOf(principal), reason: 'password_changed' }, m);
      await this.audit.record({ action: AuditAction.PasswordChanged, actorUserId: user.id, subjectUserId: user.id }, m);
      await this.notifyChanged(user, false, m);
    });
    await propagated;
  }

  /**
   * Always the same answer in the same time, whether or not the address has an account: the
   * caps are counted first, and the lookup and the mail run after the answer has gone.
   */
  async forgot(email: string, ip?: string): Promise<void> {
    await this.throttle.checkIp(ip, 'forgot');
    await this.mailCaps.check('password_reset', email, ip);
    this.background.run('forgot-password', async () => {
      const user = await this.users.findByEmail(email);
      if (!user) {
        return;
      }
      await this.dataSource.transaction(async (m) => {
        await this.mailResetLink(user, m);
        await this.audit.record({ action: AuditAction.PasswordResetRequested, subjectUserId: user.id }, m);
      });
    });
  }

  /**
   * An admin (for a member of their account) or a support agent sends the user the same reset
   * mail as "forgot password". The token goes only to the user's address, never to the caller;
   * the user's 2FA is still asked for when they follow the link.
   */
  async sendResetFor(user: User, requester: ResetRequester): Promise<void> {
    const now = this.clock.nowMs();
    for (const [key, limit] of [
      [`assisted-reset:user:${user.id}`, ASSISTED_PER_USER_PER_HOUR],
      [`assisted-reset:actor:${requester.userId}`, ASSISTED_PER_ACTOR_PER_HOUR],
    ] as const) {
      const hit = await this.rateLimits.hit(key, 3600_000, now);
      if (hit.count > limit) {
        throw authError('TOO_MANY_ATTEMPTS', 'Too many reset emails were sent: try again later.', {
          retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
        });
      }
    }
    await this.dataSource.transaction(async (m) => {
      await this.mailResetLink(user, m);
      await this.audit.record(
        {
          action: AuditAction.PasswordResetSent,
          actorUserId: requester.userId,
          actorKind: requester.kind,
          subjectUserId: user.id,
          accountId: requester.accountId ?? null,
        },
        m,
      );
    });
  }

  private async mailResetLink(user: User, m: EntityManager): Promise<void> {
    const token = await this.tokens.issue(user.id, 'password_reset', RESET_TTL_MS, {}, m);
    await this.notifications.notify(
      {
        event: 'auth.password_reset',
        to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
        data: { link: this.links.build('reset_password', token) },
      },
      m,
    );
  }

  /**
   * Single use, within the hour. When the user has 2FA, a code must come with it, checked
   * before the link is spent so a missing code does not burn the link. Ends every session.
   */
  async reset(token: string, newPassword: string, code: string | undefined, ip?: string): Promise<void> {
    await this.throttle.checkIp(ip, 'reset');
    const pending = await this.tokens.find('password_reset', token);
    const invalid = () =>
      authError('INVALID_TOKEN', 'This reset link is invalid, used or expired. Ask for a new one.', {
        errors: [{ field: 'token', message: 'is invalid or expired' }],
      });
    if (!pending) {
      throw invalid();
    }
    const user = await this.users.get(pending.userId);
    this.users.assertPassword(newPassword, user.email, 'newPassword');
    const secondFactor = this.steps.secondFactor;
    let matched: SecondFactorProof | undefined;
    if (await secondFactor.hasSecondFactor(user.id)) {
      if (!code) {
        throw authError('MFA_CODE_REQUIRED', 'Enter a code from your authenticator app, an SMS code or a backup code.', {
          errors: [{ field: 'code', message: 'is required because two-factor authentication is on' }],
        });
      }
      matched = await secondFactor.check(user.id, code);
      if (!matched) {
        throw authError('INVALID_MFA_CODE', 'That code is not right.', { errors: [{ field: 'code', message: 'is not right' }] });
      }
    }
    const hash = await this.hasher.hash(newPassword);
    const propagated = this.sessions.watch(user.id);
    await this.dataSource.transaction(async (m) => {
      const used = await this.tokens.consume('password_reset', token, m);
      if (!used || used.userId !== user.id) {
        throw invalid();
      }
      await matched?.spend(m);
      await this.setPassword(user, hash, m);
      await this.sessions.revokeAll(user.id, { reason: 'password_reset', actorUserId: null }, m);
      // A reset is how a person takes the account back: keys made by whoever was in go too.
      await this.apiKeys.revokeAllOf(user.id, 'password_reset', m);
      await this.audit.record({ action: AuditAction.PasswordReset, subjectUserId: user.id }, m);
      await this.notifyChanged(user, true, m);
    });
    await propagated;
    await this.throttle.unlock(user.email);
  }

  private async setPassword(user: User, hash: string, m: EntityManager) {
    await this.users.setPasswordHash(user.id, hash, m);
    await this.tokens.voidAll(user.id, 'password_reset', m);
  }

  private async notifyChanged(user: User, reset: boolean, m: EntityManager) {
    await this.notifications.notify(
      {
        event: 'security.password_changed',
        to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
        data: { reset, when: this.clock.now().toUTCString(), ip: null },
      },
      m,
    );
  }
}
