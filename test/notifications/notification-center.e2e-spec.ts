import { randomBytes } from 'node:crypto';

import { NotificationsService } from '@latchkey/notifications';

import { TwilioFake } from '../fakes/twilio-fake';
import { createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { DiscordFake } from './discord-fake';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const WEBHOOK = 'https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789';

function eventId(): string {
  return `evt_${randomBytes(8).toString('hex')}`;
}

describe('Notification center: host events, channels, preferences, inbox', () => {
  let t: TestApp;
  let twilio: TwilioFake;
  let discord: DiscordFake;
  const host = () => ({ Authorization: `Bearer ${SERVICE_TOKEN}` });

  beforeAll(async () => {
    twilio = await new TwilioFake().start();
    discord = await new DiscordFake().start();
    t = await createTestApp({ env: { SERVICE_TOKEN, DISCORD_API_BASE: discord.url, ...twilio.env() } });
  });

  afterAll(async () => {
    await t.close();
    await twilio.close();
    await discord.close();
  });

  const invoice = (userId: string, id = eventId()) => ({
    id,
    type: 'invoice.issued',
    userId,
    data: { invoiceNumber: 'INV-1042', amount: '€120.00', dueDate: '2026-12-01', url: 'https://billing.example.com/i/1042' },
  });

  describe('POST /events authentication', () => {
    it('refuses a missing or wrong service token', async () => {
      const user = await createUser(t);
      await t.http().post('/api/v1/events').send(invoice(user.id)).expect(401);
      const wrong = await t
        .http()
        .post('/api/v1/events')
        .set({ Authorization: `Bearer ${'x'.repeat(48)}` })
        .send(invoice(user.id));
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('SERVICE_TOKEN_INVALID');
    });

    it('refuses every host event when SERVICE_TOKEN is not set', async () => {
      const other = await createTestApp({ workers: false, env: { SERVICE_TOKEN: '' } });
      try {
        const user = await createUser(other);
        const res = await other.http().post('/api/v1/events').set({ Authorization: 'Bearer anything' }).send(invoice(user.id));
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('HOST_EVENTS_DISABLED');
      } finally {
        await other.close();
      }
    });
  });

  describe('POST /events validation', () => {
    it('answers 400 naming `type` for an unknown event type', async () => {
      const user = await createUser(t);
      const res = await t
        .http()
        .post('/api/v1/events')
        .set(host())
        .send({ ...invoice(user.id), type: 'invoice.exploded' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('UNKNOWN_EVENT_TYPE');
      expect(res.body.errors).toEqual([{ field: 'type', message: expect.any(String) }]);
    });

    it('refuses security events from the host (not host-publishable)', async () => {
      const user = await createUser(t);
      const res = await t
        .http()
        .post('/api/v1/events')
        .set(host())
        .send({ ...invoice(user.id), type: 'security.password_changed' });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('type');
    });

    it('answers 400 naming each malformed field', async () => {
      const user = await createUser(t);
      const missing = await t
        .http()
        .post('/api/v1/events')
        .set(host())
        .send({ ...invoice(user.id), data: { invoiceNumber: 'INV-1', amount: 12, extra: true } });
      expect(missing.status).toBe(400);
      expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['data.amount', 'data.dueDate', 'data.extra']);

      const shape = await t.http().post('/api/v1/events').set(host()).send({ id: '', type: 42, userId: 'nope', data: 'x' });
      expect(shape.status).toBe(400);
      expect(shape.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['id', 'type', 'userId', 'data']));

      const both = await t
        .http()
        .post('/api/v1/events')
        .set(host())
        .send({ ...invoice(user.id), accountId: user.id });
      expect(both.status).toBe(400);
      expect(both.body.errors[0].field).toBe('userId');

      const nobody = await t.http().post('/api/v1/events').set(host()).send(invoice('00000000-0000-4000-8000-000000000000'));
      expect(nobody.status).toBe(400);
      expect(nobody.body.errors[0].field).toBe('userId');
    });
  });

  describe('host events delivery', () => {
    it('delivers an event once per id: the same id again answers the same result and sends nothing', async () => {
      const user = await createUser(t);
      const body = invoice(user.id);
      const first = await t.http().post('/api/v1/events').set(host()).send(body).expect(202);
      expect(first.body).toEqual({ id: body.id, type: 'invoice.issued', version: null, recipients: 1, skipped: 0, duplicate: false });
      const again = await t.http().post('/api/v1/events').set(host()).send(body).expect(202);
      expect(again.body).toEqual({ ...first.body, duplicate: true });
      await t.settle();
      const mails = t.mail.to(user.email).filter((m) => m.subject === 'Invoice INV-1042 is ready');
      expect(mails).toHaveLength(1);
      expect(mails[0].text).toContain('€120.00');
      expect(mails[0].html).toContain('https://billing.example.com/i/1042');
      expect(mails[0].text).toContain('http://latchkey.test/admin/#/me/notifications');
      expect(mails[0].html).toContain('href="http://latchkey.test/admin/#/me/notifications"');
    });

    it('fans out to an account’s members filtered by role', async () => {
      const [owner, admin, viewer] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
      const [{ id: accountId }] = await t.dataSource.query(`INSERT INTO accounts (name) VALUES ('Acme') RETURNING id`);
      for (const [u, role] of [
        [owner, 'owner'],
        [admin, 'admin'],
        [viewer, 'viewer'],
      ] as const) {
        await t.dataSource.query(`INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3)`, [accountId, u.id, role]);
      }
      const res = await t
        .http()
        .post('/api/v1/events')
        .set(host())
        .send({
          id: eventId(),
          type: 'invoice.past_due',
          accountId,
          roles: ['owner', 'admin'],
          data: { invoiceNumber: 'INV-7', amount: '$9', dueDate: 'yesterday' },
        })
        .expect(202);
      expect(res.body.recipients).toBe(2);
      await t.settle();
      expect(t.mail.to(owner.email).filter((m) => /INV-7 is past due/.test(m.subject))).toHaveLength(1);
      expect(t.mail.to(admin.email).filter((m) => /INV-7 is past due/.test(m.subject))).toHaveLength(1);
      expect(t.mail.to(viewer.email)).toHaveLength(0);
    });
  });

  describe('in-app inbox', () => {
    it('lists entries with the unread count; marks one and then all read', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      for (const n of [1, 2, 3]) {
        await t
          .http()
          .post('/api/v1/events')
          .set(host())
          .send({ id: eventId(), type: 'usage.spike', userId: user.id, data: { metric: `api calls ${n}`, current: 100 * n, usual: 10 } })
          .expect(202);
      }
      const inbox = await t.http().get('/api/v1/me/notifications?limit=2').set(s.auth).expect(200);
      // The sign-in itself is a security event in the inbox only when it is new; count usage alerts.
      expect(inbox.body.items).toHaveLength(2);
      expect(inbox.body.items[0].title).toBe('Unusual usage: api calls 3');
      expect(inbox.body.nextCursor).toEqual(expect.any(String));
      const unread = inbox.body.unreadCount as number;
      expect(unread).toBeGreaterThanOrEqual(3);
      const next = await t.http().get(`/api/v1/me/notifications?limit=2&cursor=${inbox.body.nextCursor}`).set(s.auth).expect(200);
      expect(next.body.items[0].title).toBe('Unusual usage: api calls 1');

      const one = await t.http().post(`/api/v1/me/notifications/${inbox.body.items[0].id}/read`).set(s.auth).expect(200);
      expect(one.body.unreadCount).toBe(unread - 1);
      const all = await t.http().post('/api/v1/me/notifications/read-all').set(s.auth).expect(200);
      expect(all.body.unreadCount).toBe(0);
      const after = await t.http().get('/api/v1/me/notifications').set(s.auth).expect(200);
      expect(after.body.unreadCount).toBe(0);
      expect(after.body.items.every((i: { readAt: string | null }) => i.readAt !== null)).toBe(true);
    });

    it('does not let one user read or mark another user’s entries', async () => {
      const [a, b] = await Promise.all([createUser(t), createUser(t)]);
      await t.http().post('/api/v1/events').set(host()).send(invoice(a.id)).expect(202);
      const sa = await signIn(t, a.email);
      const sb = await signIn(t, b.email);
      const mine = await t.http().get('/api/v1/me/notifications').set(sa.auth).expect(200);
      const id = mine.body.items.find((i: { event: string }) => i.event === 'invoice.issued').id;
      await t.http().post(`/api/v1/me/notifications/${id}/read`).set(sb.auth).expect(404);
    });
  });

  describe('preferences', () => {
    it('answers defaults from the catalogue and locks email for security events', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const res = await t.http().get('/api/v1/me/notification-preferences').set(s.auth).expect(200);
      const byEvent = Object.fromEntries(res.body.items.map((i: { event: string }) => [i.event, i]));
      expect(byEvent['security.password_changed'].channels).toEqual(
        expect.arrayContaining([
          { channel: 'email', enabled: true, default: true, locked: true, lockedBy: 'mandatory', source: 'mandatory' },
          { channel: 'sms', enabled: false, default: false, locked: false, source: 'catalogue' },
        ]),
      );
      expect(byEvent['product.update'].channels).toEqual([
        { channel: 'email', enabled: false, default: false, locked: false, source: 'catalogue' },
        { channel: 'in_app', enabled: true, default: true, locked: false, source: 'catalogue' },
      ]);
      const refused = await t
        .http()
        .put('/api/v1/me/notification-preferences')
        .set(s.auth)
        .send({ items: [{ event: 'security.password_changed', channel: 'email', enabled: false }] });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ field: 'items.0.enabled', message: expect.stringMatching(/always reaches email/) }]);
      const unknown = await t
        .http()
        .put('/api/v1/me/notification-preferences')
        .set(s.auth)
        .send({ items: [{ event: 'product.update', channel: 'sms', enabled: true }] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors[0].field).toBe('items.0.channel');
    });

    it('applies a change to the next event, and security email goes out even with everything off', async () => {
      const user = await createUser(t);
      await t.dataSource.query(`UPDATE users SET phone = '+14155550199' WHERE id = $1`, [user.id]);
      const s = await signIn(t, user.email);
      await t
        .http()
        .put('/api/v1/me/notification-preferences')
        .set(s.auth)
        .send({
          items: [
            { event: 'invoice.issued', channel: 'email', enabled: false },
            { event: 'invoice.issued', channel: 'in_app', enabled: false },
            { event: 'invoice.issued', channel: 'sms', enabled: true },
            { event: 'security.password_changed', channel: 'in_app', enabled: false },
            { event: 'security.password_changed', channel: 'sms', enabled: false },
          ],
        })
        .expect(200);
      await t.http().post('/api/v1/events').set(host()).send(invoice(user.id)).expect(202);
      await t.app.get(NotificationsService).notify({
        event: 'security.password_changed',
        to: { userId: user.id, email: user.email, name: 'Pat' },
        data: { when: 'now', ip: '127.0.0.1' },
      });
      await t.settle();
      expect(t.mail.to(user.email).map((m) => m.subject)).toEqual(['Your password was changed']);
      expect(twilio.lastTo('+14155550199')?.body).toBe(
        'Latchkey: Invoice INV-1042 is ready. http://latchkey.test/admin/#/me/notifications',
      );
      const inbox = await t.http().get('/api/v1/me/notifications').set(s.auth).expect(200);
      expect(inbox.body.items.map((i: { event: string }) => i.event)).not.toContain('invoice.issued');
      expect(inbox.body.items.map((i: { event: string }) => i.event)).not.toContain('security.password_changed');
    });
  });

  describe('Discord', () => {
    it('validates the webhook URL, stores it encrypted and posts alerts as embeds', async () => {
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      for (const bad of [
        'http://discord.com/api/webhooks/1234567/abcdefghijklmnopqrstu',
        'https://evil.example.com/api/webhooks/1234567/abcdefghijklmnopqrstuv',
        'https://discord.com.evil.io/api/webhooks/1234567/abcdefghijklmnopqrstuv',
      ]) {
        const res = await t.http().put('/api/v1/me/notification-channels/discord').set(s.auth).send({ url: bad });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe('url');
      }
      const linked = await t.http().put('/api/v1/me/notification-channels/discord').set(s.auth).send({ url: WEBHOOK }).expect(200);
      expect(linked.body.hint).toBe('webhook 123456789012345678');
      const [row] = await t.dataSource.query(`SELECT url_sealed FROM notification_webhooks WHERE user_id = $1`, [user.id]);
      expect(row.url_sealed).not.toContain('AbCdEf');
      expect((await t.http().get('/api/v1/me/notification-channels').set(s.auth).expect(200)).body.discord.hint).toBe(
        'webhook 123456789012345678',
      );

      await t
        .http()
        .put('/api/v1/me/notification-preferences')
        .set(s.auth)
        .send({ items: [{ event: 'integration.failed', channel: 'discord', enabled: true }] })
        .expect(200);
      await t
        .http()
        .post('/api/v1/events')
        .set(host())
        .send({ id: eventId(), type: 'integration.failed', userId: user.id, data: { integration: 'Stripe', error: '401 from API' } })
        .expect(202);
      await t.settle();
      const post = discord.posts.find((p) => p.body.embeds[0].title === 'Integration Stripe is failing');
      expect(post).toBeDefined();
      expect(post!.path).toBe('/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789');
      expect(post!.body.embeds[0].description).toContain('401 from API');
      expect(post!.delivery).toEqual(expect.any(String));

      await t.http().delete('/api/v1/me/notification-channels/discord').set(s.auth).expect(204);
      expect((await t.http().get('/api/v1/me/notification-channels').set(s.auth).expect(200)).body.discord).toBeNull();
    });
  });

  describe('catalogue and language', () => {
    it('lists the catalogue to any signed-in user, and nobody else', async () => {
      await t.http().get('/api/v1/events/catalogue').expect(401);
      const user = await createUser(t);
      const s = await signIn(t, user.email);
      const res = await t.http().get('/api/v1/events/catalogue').set(s.auth).expect(200);
      const types = res.body.items.map((i: { type: string }) => i.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'security.new_sign_in',
          'security.mfa_reset_requested',
          'security.mfa_reset_approved',
          'security.mfa_reset_executed',
          'security.mfa_reset_cancelled',
          'invoice.issued',
          'invoice.past_due',
          'usage.spike',
          'integration.failed',
          'product.update',
        ]),
      );
      expect(res.body.items.find((i: { type: string }) => i.type === 'invoice.issued')).toMatchObject({
        category: 'product',
        hostPublishable: true,
        defaults: ['email', 'in_app'],
        data: { invoiceNumber: { type: 'string' } },
      });
    });

    it('writes in the user’s language with English fallback', async () => {
      const user = await createUser(t);
      const svc = t.app.get(NotificationsService);
      const data = { when: 'hoy', browser: 'Firefox', os: 'Linux', location: 'Madrid', ip: '127.0.0.1' };
      await svc.notify({ event: 'security.new_sign_in', to: { userId: user.id, email: user.email, name: 'Ana', locale: 'es-MX' }, data });
      await svc.notify({ event: 'security.password_changed', to: { userId: user.id, email: user.email, name: 'Ana', locale: 'es' }, data });
      await t.settle();
      const es = await t.mail.waitFor((m) => m.to.includes(user.email) && m.subject === 'Nuevo inicio de sesión en tu cuenta');
      expect(es.text).toContain('Hola Ana:');
      expect(es.text).toContain('Elige qué te llega');
      expect(es.html).toContain('lang="es-MX"');
      const fallback = await t.mail.waitFor((m) => m.to.includes(user.email) && m.subject === 'Your password was changed');
      expect(fallback.text).toContain('Ana');
    });
  });
});
