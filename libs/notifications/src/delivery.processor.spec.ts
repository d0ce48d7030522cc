import { AppConfig, FakeClock, Links, Metrics, QueueDriver, SecretBox, SmsGateway } from '@latchkey/core';
import { DataSource } from 'typeorm';

import { AccountNotificationSettingsService } from './account-notification-settings.service';
import { DeliveryProcessor } from './delivery.processor';
import { DiscordTransport } from './discord.transport';
import { HostEventTypesService } from './host-event-types.service';
import { MailTransport } from './mail.transport';
import { TemplateRenderer } from './template-renderer';
import { WebhookSender } from './webhook-sender';
import { WebhooksService } from './webhooks.service';
import { WorkerLease } from './worker-lease';

const config = { notifications: { maxAttempts: 5, backoffMs: 2000 }, http: { publicUrl: 'http://latchkey.test' } } as AppConfig;

function row(id: string) {
  return {
    id,
    event: 'security.backup_codes_low',
    channel: 'email',
    recipient: `${id}@example.com`,
    idempotency_key: `k-${id}`,
    payload: { data: { remaining: 2 }, sealed: `sealed-${id}` },
    status: 'sending',
    attempts: 1,
  };
}

type Gate = (write: () => boolean) => void;

/** `server`: on a PostgreSQL server, where an email's final dot leaves with the UPDATE recording it (HandedMarks). */
function setup(claimable: string[], { server = false, unrecorded = [] as string[] } = {}) {
  const events: string[] = [];
  const queries: Array<{ sql: string; params: unknown[] }> = [];
  // HandedMarks' own connection: every UPDATE records the rows it names, except `unrecorded` (locked by a take-over).
  const handed = {
    readyForQuery: true,
    query: jest.fn(async (_sql: string, params: unknown[]) => {
      const ids = (params[0] as string[]).filter((id) => !unrecorded.includes(id));
      events.push(`recorded ${ids.join(',')}`);
      return { rows: ids.map((id) => ({ id })) };
    }),
  };
  const dataSource = {
    options: server ? { type: 'postgres', url: 'postgres://db' } : { type: 'postgres' },
    createQueryRunner: () => ({ connect: async () => handed, release: async () => undefined }),
    query: jest.fn(async (sql: string, params: unknown[]) => {
      queries.push({ sql, params });
      if (sql.includes(`SET status = 'sending'`)) {
        const ids = params[0] as string[];
        const rows = ids.filter((id) => claimable.includes(id)).map(row);
        return [rows, rows.length];
      }
      if (sql.includes('delivered_at = $3')) {
        events.push(`mark ${(params[0] as string[]).join(',')}`);
      }
      return [[], 0];
    }),
  } as unknown as DataSource;
  // The server answers a, b, c in that order, some milliseconds apart.
  const mail = {
    send: jest.fn(async (m: { messageId: string }, gate?: Gate) => {
      gate?.(() => true);
      await new Promise((r) => setTimeout(r, { a: 5, b: 60, c: 120 }[m.messageId] ?? 0));
      events.push(`smtp ${m.messageId}`);
    }),
  };
  const renderer = { render: () => ({ subject: 'Few backup codes left', html: '<p>x</p>', text: 'x', summary: 'x' }) };
  const metrics = { deliveries: { inc: jest.fn() } };
  const lease = { ensure: jest.fn(async () => 'worker-1'), id: 'worker-1' } as unknown as WorkerLease;
  const queue = { kind: 'bull' } as QueueDriver;
  const sut = new DeliveryProcessor(
    dataSource,
    renderer as unknown as TemplateRenderer,
    mail as unknown as MailTransport,
    {} as SmsGateway,
    {} as DiscordTransport,
    {} as WebhooksService,
    {} as WebhookSender,
    new FakeClock(),
    config,
    metrics as unknown as Metrics,
    {} as Links,
    { open: (sealed: string) => JSON.stringify({ link: `https://latchkey.test/reset#${sealed}` }) } as unknown as SecretBox,
    queue,
    lease,
    {} as HostEventTypesService,
    {} as AccountNotificationSettingsService,
  );
  return { sut, mail, queries, events, handed };
}

describe('DeliveryProcessor', () => {
  it('claims a batch in one statement for this worker, sends each row once and marks each right after the server accepted it', async () => {
    const { sut, mail, queries, events } = setup(['a', 'b', 'c']);
    const outcomes = await sut.deliverBatch(['a', 'b', 'c']);
    expect([...outcomes.entries()]).toEqual([
      ['a', 'delivered'],
      ['b', 'delivered'],
      ['c', 'delivered'],
    ]);
    const claims = queries.filter((q) => q.sql.includes(`SET status = 'sending'`));
    expect(claims).toHaveLength(1);
    expect(claims[0].params).toEqual([['a', 'b', 'c'], 'worker-1']);
    expect(mail.send.mock.calls.map(([m]) => m.messageId)).toEqual(['a', 'b', 'c']);
    // The first mark leaves as soon as the first message is accepted, before the batch is done.
    expect(events).toEqual(['smtp a', 'mark a', 'smtp b', 'mark b', 'smtp c', 'mark c']);
  });

  it('sends nothing for rows it could not claim (delivered, or held by a live worker)', async () => {
    const { sut, mail } = setup(['b']);
    const outcomes = await sut.deliverBatch(['a', 'b']);
    expect([...outcomes.keys()]).toEqual(['b']);
    expect(mail.send).toHaveBeenCalledTimes(1);
    await expect(sut.deliver('a')).resolves.toBe('skipped');
  });

  it('records the others, gives a failed row back to the queue and fails the job so the queue retries it', async () => {
    const { sut, mail, queries, events } = setup(['a', 'b', 'c']);
    mail.send.mockImplementation(async (m: { messageId: string }) => {
      if (m.messageId === 'b') {
        throw new Error('451 Mailbox temporarily unavailable');
      }
      events.push(`smtp ${m.messageId}`);
    });
    await expect(sut.deliverBatch(['a', 'b', 'c'])).rejects.toThrow(/1 of 3 notification\(s\) failed: 451/);
    const giveBack = queries.filter((q) => q.sql.includes(`SET status = 'queued'`));
    expect(giveBack.map((q) => q.params[0])).toEqual(['b']);
    expect(giveBack[0].params[3]).toBeNull();
    expect(
      events
        .filter((e) => e.startsWith('mark'))
        .flatMap((e) => e.slice(5).split(','))
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('on a PostgreSQL server, marks no email a second time after the reply: the UPDATE sent with its final dot recorded it', async () => {
    const { sut, events, queries } = setup(['a', 'b'], { server: true });
    const outcomes = await sut.deliverBatch(['a', 'b']);
    expect([...outcomes.values()]).toEqual(['delivered', 'delivered']);
    expect(events.filter((e) => e.startsWith('mark'))).toEqual([]);
    expect(events.filter((e) => e.startsWith('recorded')).flatMap((e) => e.slice(9).split(','))).toEqual(['a', 'b']);
    expect(queries.filter((q) => q.sql.includes('delivered_at = $3'))).toEqual([]);
  });

  it('on a PostgreSQL server, marks an email after the reply when the UPDATE with its dot did not record it', async () => {
    const { sut, events } = setup(['a', 'b'], { server: true, unrecorded: ['b'] });
    await sut.deliverBatch(['a', 'b']);
    expect(events.filter((e) => e.startsWith('mark'))).toEqual(['mark b']);
  });

  it('gives a failed row back by its worker, recorded or not, and a recorded one gets its sealed links back', async () => {
    const { sut, mail, queries } = setup(['a', 'b'], { server: true, unrecorded: ['b'] });
    mail.send.mockImplementation(async (_m: { messageId: string }, gate?: Gate) => {
      gate?.(() => true);
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('554 Message rejected after DATA');
    });
    await expect(sut.deliverBatch(['a', 'b'])).rejects.toThrow(/2 of 2 notification\(s\) failed: 554/);
    const giveBack = queries.filter((q) => q.sql.includes(`SET status = 'queued'`));
    expect(giveBack.map((q) => q.params[0]).sort()).toEqual(['a', 'b']);
    for (const q of giveBack) {
      // By this claim: its worker and its attempt, never a later claim of the row.
      expect(q.sql).toMatch(/WHERE id = \$1 AND worker_id = \$5 AND attempts = \$7 AND status IN \('sending', 'delivered'\)/);
      expect(q.params[6]).toBe(1);
      expect(q.sql).toMatch(
        /CASE WHEN status = 'delivered' AND \$6::text IS NOT NULL\s+THEN \(payload - 'wiped'\) \|\| jsonb_build_object\('sealed', \$6::text\)/,
      );
      expect(q.params[4]).toBe('worker-1');
      expect(q.params[5]).toBe(`sealed-${q.params[0]}`);
    }
  });

  it('keeps trying to give a refused row back while the database refuses, rather than leave it recorded delivered', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const { sut, mail, queries } = setup(['a'], { server: true });
      mail.send.mockImplementation(async (_m: { messageId: string }, gate?: Gate) => {
        gate?.(() => true);
        throw new Error('554 Message rejected after DATA');
      });
      const query = (sut as unknown as { dataSource: { query: jest.Mock } }).dataSource.query;
      const plain = query.getMockImplementation()!;
      let refusals = 2;
      query.mockImplementation(async (sql: string, params: unknown[]) => {
        if (sql.includes(`SET status = 'queued'`) && refusals-- > 0) {
          queries.push({ sql: 'refused', params });
          throw new Error('connection terminated');
        }
        return plain(sql, params);
      });
      const done = expect(sut.deliverBatch(['a'])).rejects.toThrow(/554/);
      await jest.advanceTimersByTimeAsync(1_000);
      await done;
      expect(queries.filter((q) => q.sql === 'refused')).toHaveLength(2);
      expect(queries.filter((q) => q.sql.includes(`SET status = 'queued'`))).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
