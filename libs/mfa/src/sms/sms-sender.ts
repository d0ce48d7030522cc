import * as fs from 'node:fs';
import * as path from 'node:path';

import { APP_CONFIG, AppConfig, Clock, randomToken } from '@latchkey/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

import { mfaError } from '../mfa.exception';

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

export function maskPhone(phone: string): string {
  return phone.length <= 4 ? '••••' : `${phone.slice(0, 3)}${'•'.repeat(Math.max(phone.length - 5, 2))}${phone.slice(-2)}`;
}

/**
 * Sends a text through Twilio, or into a readable outbox folder when Twilio is not configured.
 * Bodies hold codes and numbers are personal: neither is ever logged.
 */
@Injectable()
export class SmsSender {
  private readonly logger = new Logger(SmsSender.name);
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

  async send(to: string, body: string): Promise<void> {
    if (!this.client) {
      const dir = path.resolve(this.config.twilio.outboxDir);
      await fs.promises.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${this.clock.now().toISOString().replace(/[:.]/g, '-')}-${randomToken(4)}.json`);
      await fs.promises.writeFile(file, JSON.stringify({ to, from: this.config.twilio.from ?? 'Latchkey', body }, null, 2));
      this.logger.log(`SMS to ${maskPhone(to)} written to the outbox folder ${dir}`);
      return;
    }
    try {
      const message = await this.client.messages.create({ to, from: this.config.twilio.from, body });
      this.logger.log(`SMS ${message.sid} queued for ${maskPhone(to)}`);
    } catch (err) {
      const code = (err as { code?: number }).code;
      this.logger.warn(`SMS to ${maskPhone(to)} refused by Twilio (code ${code ?? 'unknown'})`);
      if (code === 21211 || code === 21614 || code === 21408 || code === 21610) {
        throw mfaError('SMS_NOT_DELIVERABLE', 'We cannot send a text message to this number.', {
          errors: [{ field: 'phone', message: 'cannot receive text messages' }],
        });
      }
      throw mfaError('SMS_UNAVAILABLE', 'Text messages cannot be sent right now. Try again later or use another method.');
    }
  }
}
