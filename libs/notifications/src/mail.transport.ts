import * as fs from 'node:fs';
import * as path from 'node:path';

import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as net from 'node:net';

import nodemailer, { Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

import { Gate, SmtpPool, smtpPoolOptions } from './smtp-pool';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per delivery, so a receiving system can drop a duplicate. */
  messageId: string;
}

/**
 * For nodemailer (SMTP_URL options the pipelining pool does not speak). A URL given to nodemailer
 * alone takes its options from the query only (a second argument is message defaults), so the pool
 * is asked for there unless SMTP_URL already says otherwise (`?maxConnections=4`, `?pool=false`).
 * 8 connections per worker: nodemailer's path has no HandedMarks gate, so each connection holds at
 * most one message the server accepted and the outbox has not marked yet, which a killed worker
 * sends again. A connection is kept for 1,000 messages (nodemailer's default of 100 pays a new
 * handshake every 100).
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

const PRINTABLE = /^[\x20-\x7e]*$/;
/** A plain ASCII address the lean path can put in RCPT TO and To: as it is (others go to nodemailer). */
const SIMPLE_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/;

/** RFC 2047 encoded words of at most 45 bytes of UTF-8 each (75 characters encoded), never splitting a character. */
function encodedWords(value: string): string {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > 45) {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

function headerText(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return PRINTABLE.test(flat) && flat.length <= 900 ? flat : encodedWords(flat);
}

/** Base64 in lines of 76: it never starts a line with a dot, so the body needs no dot-stuffing. */
function base64Lines(text: string): string {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) {
    out += b64.slice(i, i + 76) + '\r\n';
  }
  return out;
}

/**
 * The whole SMTP DATA of a notification in one buffer: a multipart/alternative with the text and
 * HTML parts in base64, ended by the final dot. Written directly (no MIME tree, no streams):
 * nodemailer's composer was a fifth of a worker's CPU per message. The boundary comes from the
 * Message-ID, unique per message, and starts with `--=`, which no base64 line can.
 */
export function buildMessage(fromHeader: string, mail: OutgoingMail, date = new Date()): Buffer {
  const boundary = `=_lk_${mail.messageId.replace(/[^A-Za-z0-9]/g, '')}`;
  return Buffer.from(
    `From: ${fromHeader}\r\n` +
      `To: ${mail.to}\r\n` +
      `Subject: ${headerText(mail.subject)}\r\n` +
      `Message-ID: <${mail.messageId}@latchkey>\r\n` +
      `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}\r\n` +
      `MIME-Version: 1.0\r\n` +
      `Content-Type: multipart/alternative; boundary="${boundary}"\r\n` +
      `\r\n` +
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      base64Lines(mail.text) +
      `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      base64Lines(mail.html) +
      `--${boundary}--\r\n.\r\n`,
    'utf8',
  );
}

/** The From header and envelope sender of MAIL_FROM ("Name <address>"), or null when only nodemailer can write it. */
function parseFrom(from: string): { header: string; address: string } | null {
  const parsed = addressparser(from, { flatten: true })[0] as { name?: string; address?: string } | undefined;
  if (!parsed?.address || !SIMPLE_ADDRESS.test(parsed.address)) {
    return null;
  }
  const name = parsed.name ?? '';
  if (!name) {
    return { header: parsed.address, address: parsed.address };
  }
  const display = PRINTABLE.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodedWords(name);
  return { header: `${display} <${parsed.address}>`, address: parsed.address };
}

/**
 * SMTP when SMTP_URL is set: through the pipelining pool (SmtpPool) when the URL asks for nothing
 * else than it speaks, and the message is plain enough (ASCII addresses); through nodemailer
 * otherwise. Without SMTP_URL each message becomes an .eml file in ./.data/outbox/mail, which any
 * mail client opens.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transporter: Transporter;
  private readonly toFiles: boolean;
  private readonly pool?: SmtpPool;
  private readonly from?: { header: string; address: string };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.toFiles = !config.mail.smtpUrl;
    const lean = config.mail.smtpUrl ? smtpPoolOptions(config.mail.smtpUrl) : null;
    const from = lean ? parseFrom(config.mail.from) : null;
    if (lean && from) {
      this.pool = new SmtpPool(lean);
      this.from = from;
    }
    this.transporter = config.mail.smtpUrl
      ? nodemailer.createTransport({ ...parseConnectionUrl(pooled(config.mail.smtpUrl)), getSocket: noDelaySocket } as object)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** `gate` decides when the body and its final dot are written (HandedMarks); only the pipelining pool asks it. */
  async send(mail: OutgoingMail, gate?: Gate): Promise<void> {
    if (this.pool && this.from && SIMPLE_ADDRESS.test(mail.to)) {
      await this.pool.send(this.from.address, mail.to, buildMessage(this.from.header, mail), gate);
      return;
    }
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
    this.pool?.close();
    this.transporter.close();
  }
}
