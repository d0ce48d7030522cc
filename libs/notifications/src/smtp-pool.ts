import * as net from 'node:net';
import * as os from 'node:os';
import * as tls from 'node:tls';

/**
 * A small pooled SMTP client that pipelines (RFC 2920): a message is one write of
 * `MAIL FROM`, `RCPT TO` and `DATA`, then one write of the body with its final dot, so two
 * round trips and two socket writes per message where nodemailer's connection makes four round
 * trips and five or more writes (it pipelines only RCPT). On loopback or a LAN relay each write
 * wakes the server, and those wake-ups were a third of a worker's CPU in the delivery bench.
 *
 * It speaks what a relay needs: smtp:// (STARTTLS when the server offers it), smtps://, AUTH
 * PLAIN or LOGIN with the URL's user and password, and the pool's own knobs (maxConnections,
 * maxMessages). Any other SMTP_URL option goes to nodemailer instead (MailTransport), which knows
 * them all. A server without PIPELINING gets the same commands one at a time.
 */
export interface SmtpPoolOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  rejectUnauthorized: boolean;
  maxConnections: number;
  maxMessages: number;
  /** Per reply; a silent server fails the message (and the connection) after this long. */
  timeoutMs?: number;
}

/**
 * Connections per worker unless SMTP_URL says `maxConnections`. Each waits on its server's
 * replies, so throughput grows with them; a killed worker no longer resends one message per busy
 * connection (HandedMarks), which is what kept nodemailer's pool at 8.
 */
export const SMTP_CONNECTIONS = 32;

/** The query options this client understands; a URL with any other goes to nodemailer. */
const KNOWN_QUERY = new Set(['pool', 'maxConnections', 'maxMessages', 'tls.rejectUnauthorized']);

/** SMTP_URL as options for SmtpPool, or null when it asks for something only nodemailer does. */
export function smtpPoolOptions(smtpUrl: string): SmtpPoolOptions | null {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return null;
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    return null;
  }
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_QUERY.has(key)) {
      return null;
    }
  }
  if (url.searchParams.get('pool') === 'false') {
    return null;
  }
  const secure = url.protocol === 'smtps:';
  const int = (key: string, fallback: number) => {
    const n = Number(url.searchParams.get(key) ?? fallback);
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
    rejectUnauthorized: url.searchParams.get('tls.rejectUnauthorized') !== 'false',
    maxConnections: int('maxConnections', SMTP_CONNECTIONS),
    maxMessages: int('maxMessages', 1000),
  };
}

export class SmtpError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

/** Receives the write of a message's body and final dot, and performs it (now or a moment later). */
export type Gate = (writeBody: () => boolean) => void;

interface Reply {
  code: number;
  text: string;
}

class SmtpConnection {
  private socket: net.Socket;
  private buffer = '';
  private lines: string[] = [];
  private readonly waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private extensions = '';
  closed = false;
  sent = 0;
  /** Whether any of the current message's body reached the socket (after that, a resend could duplicate it). */
  bodyStarted = false;

  private constructor(
    socket: net.Socket,
    private readonly options: SmtpPoolOptions,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  static async open(options: SmtpPoolOptions): Promise<SmtpConnection> {
    const socket = options.secure
      ? tls.connect({
          host: options.host,
          port: options.port,
          servername: net.isIP(options.host) ? undefined : options.host,
          rejectUnauthorized: options.rejectUnauthorized,
        })
      : net.connect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    const conn = new SmtpConnection(socket, options);
    try {
      await conn.handshake();
    } catch (err) {
      conn.destroy(err as Error);
      throw err;
    }
    return conn;
  }

  private attach(socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.setTimeout(this.options.timeoutMs ?? 60_000);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('timeout', () => this.destroy(new SmtpError('SMTP server did not answer in time')));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy(new SmtpError('SMTP connection closed')));
  }

  private onData(chunk: string) {
    this.buffer += chunk;
    let eol: number;
    while ((eol = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, eol).replace(/\r$/, '');
      this.buffer = this.buffer.slice(eol + 1);
      this.lines.push(line);
      // `250-...` continues a reply, `250 ...` (or a bare code) ends it.
      if (!/^\d{3}-/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)) || 0, text: this.lines.join('\n') };
        this.lines = [];
        const waiter = this.waiters.shift();
        if (waiter) {
          waiter.resolve(reply);
        } else {
          // An unasked reply (421 before closing): nothing waits for it; the close that follows ends the connection.
        }
      }
    }
  }

  /** Registers for the next reply; call before the write that causes it. */
  private reply(): Promise<Reply> {
    if (this.closed) {
      return Promise.reject(new SmtpError('SMTP connection closed'));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async command(line: string, expect: number[]): Promise<Reply> {
    const reply = this.reply();
    this.socket.write(`${line}\r\n`);
    return this.expect(await reply, expect, line.split(' ')[0]);
  }

  private expect(reply: Reply, codes: number[], what: string): Reply {
    if (!codes.includes(reply.code)) {
      throw new SmtpError(`SMTP ${what} refused: ${reply.text}`, reply.code);
    }
    return reply;
  }

  private async handshake() {
    this.expect(await this.reply(), [220], 'greeting');
    await this.ehlo();
    if (!this.options.secure && /[ -]STARTTLS\b/i.test(this.extensions)) {
      await this.command('STARTTLS', [220]);
      const plain = this.socket;
      plain.removeAllListeners('data');
      plain.removeAllListeners('timeout');
      plain.removeAllListeners('error');
      plain.removeAllListeners('close');
      this.socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect(
          {
            socket: plain,
            servername: net.isIP(this.options.host) ? undefined : this.options.host,
            rejectUnauthorized: this.options.rejectUnauthorized,
          },
          () => resolve(s),
        );
        s.once('error', reject);
      });
      this.attach(this.socket);
      await this.ehlo();
    }
    if (this.options.user !== undefined) {
      // Like nodemailer's requireTLS, but by default: a password goes over TLS, or to this machine.
      if (!(this.socket instanceof tls.TLSSocket) && !isLoopback(this.options.host)) {
        throw new Error(`SMTP server ${this.options.host} offers no STARTTLS: refusing to send the password in clear (use smtps://)`);
      }
      const auth = /[ -]AUTH[ =]([^\n]*)/i.exec(this.extensions)?.[1]?.toUpperCase() ?? '';
      const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
      if (/\bPLAIN\b/.test(auth) || !/\bLOGIN\b/.test(auth)) {
        await this.command(`AUTH PLAIN ${b64(`\0${this.options.user}\0${this.options.pass ?? ''}`)}`, [235]);
      } else {
        await this.command('AUTH LOGIN', [334]);
        await this.command(b64(this.options.user), [334]);
        await this.command(b64(this.options.pass ?? ''), [235]);
      }
    }
  }

  private async ehlo() {
    const name = os.hostname() || 'localhost';
    const reply = this.reply();
    this.socket.write(`EHLO ${name}\r\n`);
    const r = await reply;
    if (r.code === 250) {
      this.extensions = r.text;
      return;
    }
    await this.command(`HELO ${name}`, [250]);
    this.extensions = '';
  }

  /**
   * One message; resolves once the server accepted it (its reply to the final dot). `gate`, when
   * given, is handed the write of the body (with its final dot) once the envelope is accepted and
   * calls it when it chooses (HandedMarks); the write answers false when the connection is gone.
   */
  async send(from: string, to: string, body: Buffer, gate?: Gate): Promise<void> {
    this.bodyStarted = false;
    const pipelining = /[ -]PIPELINING\b/i.test(this.extensions);
    let mail: Reply, rcpt: Reply, data: Reply;
    if (pipelining) {
      const replies = [this.reply(), this.reply(), this.reply()];
      this.socket.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
      [mail, rcpt, data] = await Promise.all(replies);
    } else {
      mail = await this.roundTrip(`MAIL FROM:<${from}>`);
      rcpt = mail.code === 250 ? await this.roundTrip(`RCPT TO:<${to}>`) : mail;
      data = rcpt.code === 250 || rcpt.code === 251 ? await this.roundTrip('DATA') : rcpt;
    }
    if (data.code === 354 && (mail.code !== 250 || (rcpt.code !== 250 && rcpt.code !== 251))) {
      // A server that took DATA after refusing the envelope: end the empty message, it is not delivered.
      await this.roundTrip('.');
    }
    const refused =
      mail.code !== 250
        ? ['MAIL', mail]
        : rcpt.code !== 250 && rcpt.code !== 251
          ? ['RCPT', rcpt]
          : data.code !== 354
            ? ['DATA', data]
            : null;
    if (refused) {
      const [what, r] = refused as [string, Reply];
      await this.roundTrip('RSET').catch(() => undefined);
      throw new SmtpError(`SMTP ${what} refused: ${r.text}`, r.code);
    }
    const done = this.reply();
    const write = () => {
      if (this.closed) {
        return false;
      }
      this.bodyStarted = true;
      this.sent++;
      this.socket.write(body);
      return true;
    };
    if (gate) {
      gate(write);
    } else {
      write();
    }
    const end = await done;
    if (end.code !== 250) {
      throw new SmtpError(`SMTP message refused: ${end.text}`, end.code);
    }
  }

  private async roundTrip(line: string): Promise<Reply> {
    const reply = this.reply();
    this.socket.write(`${line}\r\n`);
    return reply;
  }

  quit() {
    if (!this.closed) {
      this.socket.end('QUIT\r\n');
      this.closed = true;
    }
  }

  destroy(err: Error) {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.reject(err instanceof SmtpError ? err : new SmtpError(err.message));
    }
    this.socket.destroy();
  }
}

/**
 * Up to maxConnections conversations, each used for maxMessages messages; a send waits for a
 * free one. A connection the server closed while idle is noticed on use and the message tried
 * once more on a new one (nothing of it was written).
 */
export class SmtpPool {
  private readonly idle: SmtpConnection[] = [];
  private readonly waiting: Array<(c: SmtpConnection | null) => void> = [];
  private open = 0;
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {}

  /** `body` is the whole message, CRLF line ends, already dot-safe, ending in `\r\n.\r\n`. */
  async send(from: string, to: string, body: Buffer, gate?: Gate): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.acquire();
      try {
        await conn.send(from, to, body, gate);
        this.release(conn);
        return;
      } catch (err) {
        if (err instanceof SmtpError && err.responseCode !== undefined && !conn.closed) {
          this.release(conn);
          throw err;
        }
        conn.destroy(err as Error);
        this.release(conn);
        // A connection the server dropped before the body went out (idle timeout): the message never left, try a fresh one.
        if (conn.bodyStarted || attempt > 0) {
          throw err;
        }
      }
    }
  }

  private async acquire(): Promise<SmtpConnection> {
    if (this.closed) {
      throw new SmtpError('SMTP pool closed');
    }
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.closed) {
        return c;
      }
      this.open--;
    }
    if (this.open < this.options.maxConnections) {
      this.open++;
      try {
        return await SmtpConnection.open(this.options);
      } catch (err) {
        this.open--;
        this.handOver();
        throw err;
      }
    }
    const conn = await new Promise<SmtpConnection | null>((resolve) => this.waiting.push(resolve));
    return conn ?? this.acquire();
  }

  private release(conn: SmtpConnection) {
    if (conn.closed || conn.sent >= this.options.maxMessages || this.closed) {
      conn.quit();
      this.open--;
      this.handOver();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next(conn);
    } else {
      this.idle.push(conn);
    }
  }

  /** A slot freed: the next waiter opens its own connection. */
  private handOver() {
    this.waiting.shift()?.(null);
  }

  close() {
    this.closed = true;
    for (const c of this.idle.splice(0)) {
      c.quit();
    }
    for (const w of this.waiting.splice(0)) {
      w(null);
    }
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
