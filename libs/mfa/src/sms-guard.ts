import { createHash } from 'node:crypto';

import { AuditService } from '@latchkey/audit';
import { APP_CONFIG, AppConfig, Clock, RateLimitStore, maskPhone, requestContext } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { UsersService } from '@latchkey/users';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from './mfa.constants';
import { mfaError } from './mfa.exception';

const HOUR_MS = 3600_000;

export type SmsPurpose = 'setup' | 'sign_in' | 'recovery';
type Refusal = 'email_not_verified' | 'country_blocked' | 'country_not_allowed' | 'per_number' | 'per_ip' | 'per_account' | 'deployment';

/**
 * Against SMS pumping (texts bought by the sender, to numbers an attacker is paid for): a phone
 * is added only with a verified email and only in an allowed country (SMS_ALLOWED_COUNTRIES
 * when set; never SMS_BLOCKED_COUNTRIES, the built-in list by default, also applied to recovery
 * texts); and every text counts against hourly caps per destination number, per IP, per user
 * and for the whole deployment. Every refusal is audited; the deployment cap being reached is
 * a spike, mailed to staff once per hour.
 */
@Injectable()
export class SmsGuard {
  private readonly logger = new Logger(SmsGuard.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
  ) {}

  private get blocked(): string[] {
    return this.config.abuse.sms.blockedCountries ?? this.options.smsRecoveryBlockedCountries;
  }

  /** The country rules (setup and recovery): undefined when the number may receive texts. */
  countryRefusal(phone: string): { reason: 'country_blocked' | 'country_not_allowed'; country: string | null } | undefined {
    const country = parsePhoneNumberFromString(phone)?.country ?? null;
    const allowed = this.config.abuse.sms.allowedCountries;
    if (allowed.length > 0 && (!country || !allowed.includes(country))) {
      return { reason: 'country_not_allowed', country };
    }
    if (!country || this.blocked.includes(country)) {
      return { reason: 'country_blocked', country };
    }
    return undefined;
  }

  /** Before a phone is added: a verified email, and a country texts may go to. */
  async assertMayAddPhone(userId: string, phone: string): Promise<void> {
    const user = await this.users.get(userId);
    if (!user.emailVerifiedAt) {
      await this.refuse(userId, phone, 'setup', 'email_not_verified');
      throw mfaError('EMAIL_NOT_VERIFIED', 'Confirm your email address before adding a phone: follow the link we emailed you.', {
        errors: [{ field: 'email', message: 'is not verified yet' }],
      });
    }
    const country = this.countryRefusal(phone);
    if (country) {
      await this.refuse(userId, phone, 'setup', country.reason, { country: country.country });
      throw mfaError(
        'SMS_COUNTRY_BLOCKED',
        'Text messages cannot be sent to phone numbers in this country. Use an authenticator app instead.',
        {
          errors: [{ field: 'phone', message: 'is in a country text messages are not sent to' }],
          data: { country: country.country },
        },
      );
    }
  }

  /** Counts one text to `phone`; refuses (429, audited) when a cap of this hour is reached. */
  async reserve(userId: string, phone: string, purpose: SmsPurpose): Promise<void> {
    if (purpose === 'recovery') {
      const country = this.countryRefusal(phone);
      if (country) {
        await this.refuse(userId, phone, purpose, country.reason, { country: country.country });
        throw mfaError('SMS_COUNTRY_BLOCKED', 'Recovery by text message is not available for this phone number. Open a support ticket.', {
          data: { country: country.country, supportTicketUrl: '/api/v1/support/tickets' },
        });
      }
    }
    const caps = this.config.abuse.sms;
    const ip = requestContext.get()?.ip ?? 'unknown';
    const numberKey = createHash('sha256').update(phone).digest('hex').slice(0, 32);
    const checks: Array<[string, number, Refusal]> = [
      [`sms:number:${numberKey}`, caps.perNumberHourly, 'per_number'],
      [`sms:ip:${ip}`, caps.perIpHourly, 'per_ip'],
      [`sms:account:${userId}`, caps.perAccountHourly, 'per_account'],
      ['sms:deployment', caps.perDeploymentHourly, 'deployment'],
    ];
    const now = this.clock.nowMs();
    for (const [key, limit, reason] of checks) {
      const hit = await this.rateLimits.hit(key, HOUR_MS, now);
      if (hit.count > limit) {
        if (reason === 'deployment' && hit.count === limit + 1) {
          await this.alertStaff(hit.count - 1, limit);
        }
        await this.refuse(userId, phone, purpose, reason);
        throw mfaError('SMS_LIMITED', 'Too many text messages were sent: try again later or use another method.', {
          retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
        });
      }
    }
  }

  /** Records a refused text (`mfa.sms_refused`) with the masked number. */
  auditRefusal(userId: string, phone: string, purpose: SmsPurpose, reason: Refusal, extra: Record<string, unknown> = {}): Promise<void> {
    return this.refuse(userId, phone, purpose, reason, extra);
  }

  private async refuse(userId: string, phone: string, purpose: SmsPurpose, reason: Refusal, extra: Record<string, unknown> = {}) {
    await this.audit.record({
      action: MfaAuditAction.SmsRefused,
      actorUserId: userId,
      subjectUserId: userId,
      metadata: { reason, purpose, phone: maskPhone(phone), ...extra },
    });
  }

  /** Once per hour (the request that first goes over the cap): every staff member is mailed. */
  private async alertStaff(sent: number, limit: number): Promise<void> {
    const staff = await this.users.listStaff();
    this.logger.warn(`SMS spike: the deployment-wide limit of ${limit} texts an hour was reached; ${staff.length} staff told`);
    const when = this.clock.now().toUTCString();
    const hour = Math.floor(this.clock.nowMs() / HOUR_MS);
    for (const s of staff) {
      await this.notifications.notify({
        event: 'staff.sms_spike',
        to: { userId: s.id, email: s.email, name: s.displayName, locale: s.language },
        data: { current: sent, limit, when },
        idempotencyKey: `sms-spike:${hour}:${s.id}`,
      });
    }
  }
}
