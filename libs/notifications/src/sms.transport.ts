import * as fs from 'node:fs';
import * as path from 'node:path';

import { APP_CONFIG, AppConfig, randomToken } from '@latchkey/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

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

function mask(phone: string): string {
  return phone.length <= 4 ? '••••' : `${phone.slice(0, 3)}${'•'.repeat(Math.max(phone.length - 5, 2))}${phone.slice(-2)}`;
}

/**
 * Notification texts through Twilio, or JSON files in ./.data/outbox/sms without Twilio settings.
 * The same approach as the MFA lib's sender, kept apart: MFA codes need their own error mapping,
 * notifications only need "sent" or "retry". Numbers are never logged in full.
 */
@Injectable()
export class SmsTransport {
  private readonly logger = new Logger(SmsTransport.name);
  private readonly client?: ReturnType<typeof twilio>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { accountSid, authToken, apiBase } = config.twilio;
    if (accountSid && authToken) {
      this.client = twilio(accountSid, authToken, apiBase ? { httpClient: new RebasedRequestClient(apiBase) } : {});
    }
  }

  async send(to: string, body: string, deliveryId: string): Promise<void> {
    if (!this.client) {
      const dir = path.resolve(this.config.twilio.outboxDir);
      await fs.promises.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${deliveryId}-${randomToken(3)}.json`);
      await fs.promises.writeFile(file, JSON.stringify({ to, from: this.config.twilio.from ?? 'Latchkey', body, deliveryId }, null, 2));
      this.logger.log(`SMS to ${mask(to)} written to the outbox folder ${dir}`);
      return;
    }
    const message = await this.client.messages.create({ to, from: this.config.twilio.from, body });
    this.logger.log(`SMS ${message.sid} queued for ${mask(to)}`);
  }
}
