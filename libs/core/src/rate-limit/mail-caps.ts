import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { coreError } from '../errors/domain.exception';
import { RateLimitStore } from './rate-limit.store';

/** The mails a stranger can make Latchkey send. */
export type StrangerMail = 'password_reset' | 'verify_email' | 'invitation' | 'support_ticket' | 'sign_up' | 'provider_link';

const HOUR_MS = 3600_000;

/**
 * Caps on mails a stranger can trigger, per address and per IP each hour (MAIL_PER_ADDRESS_HOURLY,
 * MAIL_PER_IP_HOURLY; sign-ups SIGNUP_PER_IP_HOURLY). Counted before anything is looked up, so a
 * known and an unknown address get the same answers, 429 with Retry-After included.
 */
@Injectable()
export class MailCaps {
  constructor(
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(kind: StrangerMail, address: string | null, ip: string | undefined): Promise<void> {
    const caps = this.config.abuse;
    const ipLimit = kind === 'sign_up' ? caps.signupPerIpHourly : caps.mailPerIpHourly;
    await this.hit(
      `mailcap:${kind === 'sign_up' ? 'signup' : 'mail'}:ip:${ip ?? 'unknown'}`,
      ipLimit,
      'Too many requests from this network: try again later.',
    );
    if (address !== null) {
      const key = createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 32);
      await this.hit(
        `mailcap:${kind}:addr:${key}`,
        caps.mailPerAddressHourly,
        'Too many emails were asked for this address: try again later.',
      );
    }
  }

  private async hit(key: string, limit: number, message: string): Promise<void> {
    const now = this.clock.nowMs();
    const hit = await this.rateLimits.hit(key, HOUR_MS, now);
    if (hit.count > limit) {
      throw coreError('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)) });
    }
  }
}
