import { AddressInfo } from 'node:net';

import { simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';

import { buildMessage } from './mail.transport';
import { SmtpPool, smtpPoolOptions } from './smtp-pool';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

async function sink(options: Partial<SMTPServerOptions>, refuse?: () => boolean) {
  const received: Received[] = [];
  const commands: string[] = [];
  const server = new SMTPServer({
    logger: false,
    ...options,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        if (refuse?.()) {
          callback(Object.assign(new Error('Mailbox busy'), { responseCode: 451 }));
          return;
        }
        received.push({
          from: String(session.envelope.mailFrom && session.envelope.mailFrom.address),
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  server.server.on('connection', (socket) => socket.on('data', (d: Buffer) => commands.push(d.toString('latin1'))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, commands, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const mail = (i: number) => ({
  to: `user${i}@example.com`,
  subject: `Grüße ${i}: your code — ${'x'.repeat(60)}`,
  text: `Hello ${i}\n.\nA line with a lone dot above.`,
  html: `<p>Hello ${i}</p>`,
  messageId: `0b6f3a52-0000-4000-8000-00000000000${i}`,
});

describe('SmtpPool (pipelined SMTP) and buildMessage', () => {
  it('pipelines MAIL, RCPT and DATA in one write and delivers a message mailparser reads back', async () => {
    const s = await sink({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] });
    const pool = new SmtpPool(smtpPoolOptions(`smtp://127.0.0.1:${s.port}?maxConnections=2`)!);
    try {
      await Promise.all(
        [1, 2, 3].map((i) =>
          pool.send('no-reply@latchkey.local', mail(i).to, buildMessage('"Latchkey" <no-reply@latchkey.local>', mail(i))),
        ),
      );
      expect(s.received.map((r) => r.to[0]).sort()).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com']);
      expect(s.commands.some((c) => /^MAIL FROM:<no-reply@latchkey.local>\r\nRCPT TO:<user\d@example.com>\r\nDATA\r\n$/.test(c))).toBe(
        true,
      );
      const parsed = await simpleParser(s.received.find((r) => r.to[0] === 'user2@example.com')!.raw);
      expect(parsed.subject).toBe(mail(2).subject);
      expect(parsed.text).toBe(mail(2).text);
      expect(parsed.html).toBe(mail(2).html);
      expect(parsed.messageId).toBe(`<${mail(2).messageId}@latchkey>`);
      expect(parsed.from?.value[0]).toEqual({ name: 'Latchkey', address: 'no-reply@latchkey.local' });
    } finally {
      pool.close();
      await s.close();
    }
  });

  it('upgrades with STARTTLS and signs in with AUTH PLAIN or LOGIN from the URL', async () => {
    for (const method of ['PLAIN', 'LOGIN']) {
      const s = await sink({
        authMethods: [method],
        onAuth(auth, _session, cb) {
          return auth.username === 'relay' && auth.password === 'p@ss:word' ? cb(null, { user: 'relay' }) : cb(new Error('Invalid'));
        },
      });
      const pool = new SmtpPool(smtpPoolOptions(`smtp://relay:p%40ss%3Aword@127.0.0.1:${s.port}?tls.rejectUnauthorized=false`)!);
      try {
        await pool.send('a@latchkey.local', 'b@example.com', buildMessage('a@latchkey.local', mail(1)));
        expect(s.received).toHaveLength(1);
        // Everything after STARTTLS is encrypted: the sink's socket saw no MAIL FROM in clear.
        expect(s.commands.join('')).toContain('STARTTLS');
        expect(s.commands.join('')).not.toContain('MAIL FROM');
      } finally {
        pool.close();
        await s.close();
      }
    }
    const s = await sink({ authMethods: ['PLAIN'], onAuth: (_a, _s, cb) => cb(new Error('Invalid')) });
    const pool = new SmtpPool(smtpPoolOptions(`smtp://relay:wrong@127.0.0.1:${s.port}?tls.rejectUnauthorized=false`)!);
    await expect(pool.send('a@latchkey.local', 'b@example.com', buildMessage('a@latchkey.local', mail(1)))).rejects.toThrow(/AUTH refused/);
    pool.close();
    await s.close();
  });

  it('fails a refused message with the server code and keeps the connection for the next one', async () => {
    let refuse = true;
    const s = await sink({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] }, () => refuse);
    const pool = new SmtpPool(smtpPoolOptions(`smtp://127.0.0.1:${s.port}?maxConnections=1`)!);
    try {
      await expect(pool.send('a@latchkey.local', 'b@example.com', buildMessage('a@latchkey.local', mail(1)))).rejects.toMatchObject({
        responseCode: 451,
      });
      refuse = false;
      await pool.send('a@latchkey.local', 'b@example.com', buildMessage('a@latchkey.local', mail(2)));
      expect(s.received).toHaveLength(1);
    } finally {
      pool.close();
      await s.close();
    }
  });

  it('leaves URLs with options it does not speak to nodemailer', () => {
    expect(smtpPoolOptions('smtp://127.0.0.1:25')).toMatchObject({
      host: '127.0.0.1',
      port: 25,
      secure: false,
      maxConnections: 32,
      maxMessages: 1000,
    });
    expect(smtpPoolOptions('smtps://u:p@mail.example.com')).toMatchObject({ port: 465, secure: true, user: 'u', pass: 'p' });
    expect(smtpPoolOptions('smtp://127.0.0.1:25?ignoreTLS=true')).toBeNull();
    expect(smtpPoolOptions('smtp://127.0.0.1:25?pool=false')).toBeNull();
    expect(smtpPoolOptions('direct://')).toBeNull();
  });
});
