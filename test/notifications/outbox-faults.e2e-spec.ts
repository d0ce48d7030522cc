import { QueueDriver } from '@latchkey/core';
import { NotificationsService, OutboxRelay } from '@latchkey/notifications';
import { DeliveryProcessor } from '../../libs/notifications/src/delivery.processor';

import { createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { TestApp, createTestApp } from '../setup/test-app';
import { makeStaff } from '../support/support-helpers';

/** Short retries so the dead-letter path takes milliseconds, not the production 2 s doubling. */
const FAST = { NOTIFICATION_MAX_ATTEMPTS: '3', NOTIFICATION_BACKOFF_MS: '20' };

async function outboxRows(t: TestApp, recipient: string): Promise<Array<{ id: string; status: string; attempts: number }>> {
  return t.dataSource.query(`SELECT id, status, attempts FROM notification_outbox WHERE recipient = $1 ORDER BY created_at`, [recipient]);
}

async function burst(t: TestApp, email: string, count: number, perTransaction = 50): Promise<void> {
  const svc = t.app.get(NotificationsService);
  for (let i = 0; i < count; i += perTransaction) {
    await t.dataSource.transaction(async (m) => {
      for (let j = i; j < Math.min(i + perTransaction, count); j++) {
        await svc.notify({ event: 'security.backup_codes_low', to: { email, name: `n${j}` }, data: { remaining: j } }, m);
      }
    });
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Outbox delivery guarantees', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: FAST });
  });

  afterAll(async () => {
    await t.close();
  });

  it('sends nothing for a rolled-back transaction', async () => {
    const email = uniqueEmail('rollback');
    const svc = t.app.get(NotificationsService);
    await expect(
      t.dataSource.transaction(async (m) => {
        await svc.notify({ event: 'security.password_changed', to: { email }, data: {} }, m);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await svc.notify({ event: 'security.password_changed', to: { email: `${email}.control` }, data: {} });
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(`${email}.control`));
    expect(await outboxRows(t, email)).toEqual([]);
    expect(t.mail.to(email)).toEqual([]);
  });

  it('retries a refusing SMTP server, then dead-letters with nothing lost; staff see it and replay delivers once', async () => {
    const email = uniqueEmail('refused');
    const bareStaff = await createUser(t, { staffRole: 'support' });
    const plain = await createUser(t);
    t.mail.refuse = true;
    try {
      await t.app.get(NotificationsService).notify({ event: 'security.account_locked', to: { email, name: 'Lee' }, data: {} });
      await t.settle();
    } finally {
      t.mail.refuse = false;
    }
    const [row] = await outboxRows(t, email);
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });
    expect(t.mail.to(email)).toEqual([]);

    const sp = await signIn(t, plain.email);
    await t.http().get('/api/v1/admin/notifications/dead-letters').set(sp.auth).expect(404);
    await t.http().post(`/api/v1/admin/notifications/dead-letters/${row.id}/replay`).set(sp.auth).expect(404);

    // Staff need 2FA here too.
    const bare = await t
      .http()
      .get('/api/v1/admin/notifications/dead-letters')
      .set((await signIn(t, bareStaff.email)).auth)
      .expect(403);
    expect(bare.body.code).toBe('STAFF_2FA_REQUIRED');
    const ss = await makeStaff(t, 'support');
    const list = await t.http().get('/api/v1/admin/notifications/dead-letters').set(ss.auth).expect(200);
    const item = list.body.items.find((i: { id: string }) => i.id === row.id);
    expect(item).toMatchObject({
      event: 'security.account_locked',
      channel: 'email',
      attempts: 3,
      lastError: expect.stringMatching(/451|unavailable/i),
    });
    expect(item.recipient).not.toBe(email);

    await t.http().post(`/api/v1/admin/notifications/dead-letters/${row.id}/replay`).set(ss.auth).expect(202);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(email));
    expect(t.mail.to(email)).toHaveLength(1);
    expect((await outboxRows(t, email))[0].status).toBe('delivered');
    await t.http().post(`/api/v1/admin/notifications/dead-letters/${row.id}/replay`).set(ss.auth).expect(404);
  });

  it('sends a reset mail the server refused after its final dot again, its link intact, and wipes the link once delivered', async () => {
    // On PostgreSQL the row reads delivered (its sealed link wiped) from the moment the dot leaves; the refusal that
    // follows must give the row back with its link, or the retry would send a mail without one.
    const user = await createUser(t);
    t.mail.refuseNext = 1;
    await t.http().post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
    await t.settle();
    expect(t.mail.refuseNext).toBe(0);
    const mails = t.mail.to(user.email);
    expect(mails.map((m) => m.subject)).toEqual(['Reset your password']);
    const [row] = await t.dataSource.query(
      `SELECT status, attempts, payload FROM notification_outbox WHERE recipient = $1 AND event = 'auth.password_reset'`,
      [user.email],
    );
    expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(row.payload.sealed).toBeUndefined();
    expect(row.payload.wiped).toBe(true);
    await t
      .http()
      .post('/api/v1/auth/password/reset')
      .send({ token: tokenFrom(mails[0]), newPassword: 'cobalt-meadow-frost-88' })
      .expect(200);
  });

  it('does not send twice when a delivery job runs again', async () => {
    const email = uniqueEmail('dup');
    await t.app.get(NotificationsService).notify({ event: 'security.account_locked', to: { email }, data: {} });
    await t.settle();
    const [row] = await outboxRows(t, email);
    await expect(t.app.get(DeliveryProcessor).deliver(row.id)).resolves.toBe('skipped');
    expect(t.mail.to(email)).toHaveLength(1);
  });
});

describe('Workers sharing the outbox', () => {
  it('delivers every notification of a burst exactly once when one of two workers is killed mid-burst', async () => {
    const a = await createTestApp({ env: FAST });
    const b = await createTestApp({ env: FAST, sameDatabaseAs: a, mail: a.mail });
    try {
      const email = uniqueEmail('burst');
      const total = 400;
      // Relays run by hand here so that A surely holds part of the burst when it dies.
      await a.app.get(OutboxRelay).stop();
      await b.app.get(OutboxRelay).stop();
      await burst(a, email, total);
      expect(await a.app.get(OutboxRelay).relayOnce()).toBeGreaterThan(0);
      await waitUntil(() => a.mail.to(email).length >= 1);
      // Kill A's worker side: its relay stops, sends in progress finish, and every job still in
      // its queue is lost (it fails without touching its row), as with a killed process.
      await a.app.get(OutboxRelay).stop();
      await a.app.get(DeliveryProcessor).beforeApplicationShutdown();
      await a.app.get(QueueDriver).close();
      const [{ n: undelivered }] = await a.dataSource.query(
        `SELECT count(*)::int AS n FROM notification_outbox WHERE recipient = $1 AND status <> 'delivered'`,
        [email],
      );
      expect(undelivered).toBeGreaterThan(0);
      // A's unfinished rows are recovered by B once their queue lease has run out.
      b.app.get(OutboxRelay).start();
      a.clock.advance(10 * 60_000);
      await b.settle(60_000);

      const rows = await outboxRows(a, email);
      expect(rows).toHaveLength(total);
      expect(rows.filter((r) => r.status !== 'delivered')).toEqual([]);
      const seen = new Map<string, number>();
      for (const m of a.mail.to(email)) {
        seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
      }
      expect(seen.size).toBe(total);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(rows.map((r) => `<${r.id}@latchkey>`))).toEqual(new Set(seen.keys()));
    } finally {
      await b.close();
      await a.close();
      await a.mail.close();
    }
  }, 120_000);

  it('keeps accepting requests while Redis is unreachable; the outbox drains once a working relay runs', async () => {
    const a = await createTestApp({ env: FAST });
    // A second instance whose Redis is a closed port: what an API sees while Redis is down.
    const down = await createTestApp({
      env: { ...FAST, REDIS_URL: 'redis://127.0.0.1:9', SERVICE_TOKEN: 's'.repeat(40) },
      sameDatabaseAs: a,
      mail: a.mail,
      workers: false,
    });
    try {
      await a.app.get(OutboxRelay).stop();
      const user = await createUser(down);
      const res = await down
        .http()
        .post('/api/v1/events')
        .set({ Authorization: `Bearer ${'s'.repeat(40)}` })
        .send({ id: `evt-${user.id}`, type: 'usage.spike', userId: user.id, data: { metric: 'seats', current: 90, usual: 10 } });
      expect(res.status).toBe(202);
      await down.http().get('/health').expect(200);
      await expect(down.app.get(OutboxRelay).relayOnce()).rejects.toThrow(/kept in the outbox/);
      const pending = await outboxRows(a, user.email);
      expect(pending.map((r) => r.status)).toEqual(['pending']);

      a.app.get(OutboxRelay).start();
      await a.settle();
      await a.mail.waitFor((m) => m.to.includes(user.email) && m.subject === 'Unusual usage: seats');
      expect((await outboxRows(a, user.email)).map((r) => r.status)).toEqual(['delivered']);
    } finally {
      await down.close();
      await a.close();
      await a.mail.close();
    }
  });
});
