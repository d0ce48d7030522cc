import * as fs from 'node:fs';
import * as path from 'node:path';

import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as net from 'node:net';

import nodemailer, { Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per delivery, so a receiving system can drop a duplicate. */
  messageId: string;
}

/**
 * A URL given to nodemailer alone takes its options from the query only (a second argument
 * is message defaults), so the pool is asked for there unless SMTP_URL already says otherwise
 * (`?maxConnections=4`, `?pool=false`). 8 connections per worker keep a relay busy while each
 * waits on its server's replies, and bound what a killed worker sends twice: each connection
 * holds at most one message the server accepted and the outbox has not marked yet (16 sent
 * ~1.3x more per second in the bench but up to 16 duplicates per kill). A connection is kept
 * for 1,000 messages (nodemailer's default of 100 pays a new handshake every 100).
 */
export function pooled(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  for (const [key, value] of [
    ['pool', 'true'],
    ['maxConnections', '8'],
    ['maxMessages', '1000'],
  ]) {
    if (!url.searchParams.has(key)) {
      url.searchParams.set(key, value);
    }
  }
  return url.toString();
}

/**
 * SMTP is a conversation of small writes: with Nagle's algorithm on, the message's final dot
 * waits for the server's delayed ACK (about 40 ms per message on Linux). TLS, when the URL asks
 * for it, is layered on this socket by nodemailer as usual.
 */
function noDelaySocket(
  options: { host?: string; port?: number; secure?: boolean },
  callback: (err: Error | null, socket?: { connection: net.Socket }) => void,
) {
  const socket = net.connect({ host: options.host ?? 'localhost', port: options.port ?? (options.secure ? 465 : 587), noDelay: true });
  const onError = (err: Error) => callback(err);
  socket.once('error', onError);
  socket.once('connect', () => {
    socket.removeListener('error', onError);
    callback(null, { connection: socket });
  });
}

/**
 * SMTP through nodemailer when SMTP_URL is set; otherwise each message becomes an .eml file in
 * ./.data/outbox/mail, which any mail client opens.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transporter: Transporter;
  private readonly toFiles: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.toFiles = !config.mail.smtpUrl;
    this.transporter = config.mail.smtpUrl
      ? nodemailer.createTransport({ ...parseConnectionUrl(pooled(config.mail.smtpUrl)), getSocket: noDelaySocket } as object)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(mail: OutgoingMail): Promise<void> {
    // Built to one buffer first: streamed part by part, the message leaves in dozens of small socket writes.
    const mime = new MailComposer({
      from: this.config.mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: `<${mail.messageId}@latchkey>`,
    }).compile();
    const info = await this.transporter.sendMail({ envelope: mime.getEnvelope(), raw: await mime.build() });
    if (this.toFiles) {
      const dir = path.resolve(this.config.mail.outboxDir);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.messageId}.eml`);
      fs.writeFileSync(file, (info as unknown as { message: Buffer }).message);
      this.logger.log(`Mail "${mail.subject}" to ${mail.to} written to ${file}`);
    }
  }

  onApplicationShutdown() {
    this.transporter.close();
  }
}
