import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface FakeSms {
  accountSid: string;
  to: string;
  from: string;
  body: string;
  authorization: string | undefined;
}

/**
 * Twilio's Messages API on loopback, for the real twilio client (pointed here through
 * TWILIO_API_BASE). Records every message; can be told to refuse the next ones like Twilio does.
 */
export class TwilioFake {
  readonly messages: FakeSms[] = [];
  private server?: http.Server;
  private failWith?: { status: number; code: number; message: string };
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  env(): Record<string, string> {
    return {
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x',
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE: this.url,
    };
  }

  /** Answers every later message with a Twilio error until cleared (21211: invalid "To" number). */
  refuse(error = { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }) {
    this.failWith = error;
  }

  accept() {
    this.failWith = undefined;
  }

  lastTo(phone: string): FakeSms | undefined {
    return [...this.messages].reverse().find((m) => m.to === phone);
  }

  /** The six-digit code in the newest message to `phone`. */
  codeFor(phone: string): string {
    const code = this.lastTo(phone)?.body.match(/\b(\d{6})\b/)?.[1];
    if (!code) {
      throw new Error(`No code was texted to ${phone}`);
    }
    return code;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = req.url?.match(/^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/);
      res.setHeader('Content-Type', 'application/json');
      if (req.method !== 'POST' || !match) {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
        return;
      }
      if (this.failWith) {
        res.statusCode = this.failWith.status;
        res.end(JSON.stringify({ code: this.failWith.code, message: this.failWith.message, status: this.failWith.status, more_info: '' }));
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const sms: FakeSms = {
        accountSid: match[1],
        to: form.get('To') ?? '',
        from: form.get('From') ?? '',
        body: form.get('Body') ?? '',
        authorization: req.headers.authorization,
      };
      this.messages.push(sms);
      const sid = `SM${randomBytes(16).toString('hex')}`;
      res.statusCode = 201;
      res.end(
        JSON.stringify({
          sid,
          account_sid: sms.accountSid,
          to: sms.to,
          from: sms.from,
          body: sms.body,
          status: 'queued',
          num_segments: '1',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          date_created: new Date().toUTCString(),
          uri: `/2010-04-01/Accounts/${sms.accountSid}/Messages/${sid}.json`,
        }),
      );
    });
  }
}
