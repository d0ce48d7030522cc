import * as fs from 'node:fs';
import * as path from 'node:path';

import { Inject, Injectable, Logger } from '@nestjs/common';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { randomToken } from '../crypto/tokens';

/** twilio 6 has no base-URL option: this client rewrites every request onto TWILIO_API_BASE (tests only). */
class RebasedRequestClient extends RequestClient {
  constructor(private readonly base: string) {
    super();
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const target = new URL(this.base);
    original.protocol = target.protocol;
    original.host = target.host;
    return super.request({ ...opts, uri: original.toString() });
  }
}

/** Enough of a number to recognise it, never the whole of it. */
export function maskPhone(phone: string): string {
  return phone.length <= 4 ? '••••' : `${phone.slice(0, 3)}${'•'.repeat(Math.max(phone.length - 5, 2))}${phone.slice(-2)}`;
}

/**
 * The one way Latchkey sends a text: the real twilio client, or JSON files in
 * ./.data/outbox/sms when Twilio is not configured. Bodies hold codes and numbers are personal,
 * so neither is ever logged. Twilio's errors are rethrown with their `code` for callers to map.
 */
@Injectable()
export class SmsGateway {
  private readonly logger = new Logger(SmsGateway.name);
  private readonly client?: ReturnType<typeof twilio>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    const { accountSid, authToken, apiBase } = config.twilio;
    if (accountSid && authToken) {
      this.client = twilio(accountSid, authToken, apiBase ? { httpClient: new RebasedRequestClient(apiBase) } : {});
    }
  }

  /** False with SMS_ENABLED=false: nothing is sent or written; callers answer "unavailable" or skip. */
  get enabled(): boolean {
    return this.config.twilio.enabled;
  }

  async send(to: string, body: string, tag = randomToken(4)): Promise<void> {
    if (!this.enabled) {
      throw Object.assign(new Error('SMS is switched off (SMS_ENABLED=false)'), { code: 'SMS_DISABLED' });
    }
    if (!this.client) {
      const dir = path.resolve(this.config.twilio.outboxDir);
      await fs.promises.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${this.clock.now().toISOString().replace(/[:.]/g, '-')}-${tag}.json`);
      await fs.promises.writeFile(file, JSON.stringify({ to, from: this.config.twilio.from ?? 'Latchkey', body }, null, 2));
      this.logger.log(`SMS to ${maskPhone(to)} written to the outbox folder ${dir}`);
      return;
    }
    try {
      const message = await this.client.messages.create({ to, from: this.config.twilio.from, body });
      this.logger.log(`SMS ${message.sid} queued for ${maskPhone(to)}`);
    } catch (err) {
      this.logger.warn(`SMS to ${maskPhone(to)} refused by Twilio (code ${(err as { code?: number }).code ?? 'unknown'})`);
      throw err;
    }
  }
}
