import { randomBytes, randomUUID } from 'node:crypto';

import { AccountRole } from '@latchkey/accounts';

import { addMember, createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn } from '../factories/users.factory';
import { enrolTotp } from '../mfa/mfa-helpers';
import { DiscordFake } from '../notifications/discord-fake';
import { TestApp, createTestApp } from '../setup/test-app';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const WEBHOOK_TOKEN = 'AcCoUnTtOkEn_0123456789abcdefXYZ';
const WEBHOOK = `https://discord.com/api/webhooks/987654321098765432/${WEBHOOK_TOKEN}`;

interface Cell {
  channel: string;
  enabled: boolean;
  locked: boolean;
  lockedBy?: string;
  source: string;
  accountId?: string;
  default: boolean;
}

describe('Account notification defaults: owners set members’ defaults and locks; an account Discord channel hears account alerts', () => {
  let t: TestApp;
  let discord: DiscordFake;

  beforeAll(async () => {
    discord = await new DiscordFake().start();
    t = await createTestApp({ env: { DISCORD_API_BASE: discord.url, SERVICE_TOKEN } });
  });

  afterAll(async () => {
    await t.close();
    await discord.close();
  });

  const defaultsPath = (accountId: string) => `/api/v1/accounts/${accountId}/notification-defaults`;
  const discordPath = (accountId: string) => `/api/v1/accounts/${accountId}/notification-channels/discord`;

  async function myCell(auth: Record<string, string>, event: string, channel: string): Promise<Cell> {
    const res = await t.http().get('/api/v1/me/notification-preferences').set(auth).expect(200);
    const item = (res.body.items as Array<{ event: string; channels: Cell[] }>).find((i) => i.event === event);
    return item!.channels.find((c) => c.channel === channel)!;
  }

  async function invite(team: Awaited<ReturnType<typeof createAccountWithTeam>>, email: string): Promise<string> {
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.owner.session.auth)
      .send({ email, role: 'member' })
      .expect(201);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(email.toLowerCase()) && /invited/.test(m.subject));
    return /token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  }

  it('an owner sets a default; a member who joins afterwards gets it, may change it unless locked, and a locked channel is refused by name', async () => {
    const team = await createAccountWithTeam(t, 'Defaults Co');
    const put = await t
      .http()
      .put(defaultsPath(team.accountId))
      .set(team.owner.session.auth)
      .send({
        items: [
          { event: 'product.update', channel: 'email', enabled: true, locked: false },
          { event: 'invoice.issued', channel: 'sms', enabled: true, locked: true },
        ],
      })
      .expect(200);
    const product = (put.body.items as Array<{ event: string; channels: Array<Record<string, unknown>> }>).find(
      (i) => i.event === 'product.update',
    )!;
    expect(product.channels.find((c) => c.channel === 'email')).toMatchObject({
      enabled: true,
      locked: false,
      set: true,
      catalogueDefault: false,
    });

    // A new member, joining through an invitation after the defaults were set.
    const newcomer = await createUser(t, { displayName: 'Nia Newcomer' });
    const token = await invite(team, newcomer.email);
    const s = await signIn(t, newcomer.email);
    await t.http().post(`/api/v1/invitations/${token}/accept`).set(s.auth).send({}).expect(200);

    expect(await myCell(s.auth, 'product.update', 'email')).toMatchObject({
      enabled: true,
      default: true,
      locked: false,
      source: 'account',
      accountId: team.accountId,
    });
    expect(await myCell(s.auth, 'invoice.issued', 'sms')).toMatchObject({
      enabled: true,
      locked: true,
      lockedBy: 'account',
      source: 'account',
    });
    // Security mail stays mandatory, not the account's.
    expect(await myCell(s.auth, 'security.new_sign_in', 'email')).toMatchObject({ enabled: true, locked: true, lockedBy: 'mandatory' });
    // Someone outside the account keeps the catalogue's default.
    expect(await myCell(team.outsider.session.auth, 'product.update', 'email')).toMatchObject({ enabled: false, source: 'catalogue' });

    // Unlocked: the member's own choice wins.
    await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(s.auth)
      .send({ items: [{ event: 'product.update', channel: 'email', enabled: false }] })
      .expect(200);
    expect(await myCell(s.auth, 'product.update', 'email')).toMatchObject({ enabled: false, default: true, source: 'user' });

    // Locked: refused, naming the change.
    const refused = await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(s.auth)
      .send({ items: [{ event: 'invoice.issued', channel: 'sms', enabled: false }] })
      .expect(400);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('CHANNEL_LOCKED');
    expect(refused.body.errors).toEqual([
      { field: 'items.0.enabled', message: expect.stringMatching(/invoice\.issued by sms is locked on by account/) },
    ]);

    // A lock also overrides a choice the member made before it.
    await t
      .http()
      .put(defaultsPath(team.accountId))
      .set(team.owner.session.auth)
      .send({ items: [{ event: 'product.update', channel: 'email', enabled: true, locked: true }] })
      .expect(200);
    expect(await myCell(s.auth, 'product.update', 'email')).toMatchObject({ enabled: true, locked: true, lockedBy: 'account' });
    // The PUT replaced the set: invoice.issued follows the catalogue again.
    expect(await myCell(s.auth, 'invoice.issued', 'sms')).toMatchObject({ enabled: false, locked: false, source: 'catalogue' });
  });

  it('a person in two accounts: a user-level event takes a lock over a default, and "on" over "off" between equals', async () => {
    const a = await createAccountWithTeam(t, 'Strict Co');
    const b = await createAccountWithTeam(t, 'Loose Co');
    await addMember(t, b.accountId, a.member.id, AccountRole.Member);
    await t
      .http()
      .put(defaultsPath(a.accountId))
      .set(a.owner.session.auth)
      .send({
        items: [
          { event: 'product.update', channel: 'in_app', enabled: false, locked: true },
          { event: 'usage.spike', channel: 'sms', enabled: false, locked: false },
        ],
      })
      .expect(200);
    await t
      .http()
      .put(defaultsPath(b.accountId))
      .set(b.owner.session.auth)
      .send({
        items: [
          { event: 'product.update', channel: 'in_app', enabled: true, locked: false },
          { event: 'usage.spike', channel: 'sms', enabled: true, locked: false },
        ],
      })
      .expect(200);
    expect(await myCell(a.member.session.auth, 'product.update', 'in_app')).toMatchObject({
      enabled: false,
      locked: true,
      accountId: a.accountId,
    });
    expect(await myCell(a.member.session.auth, 'usage.spike', 'sms')).toMatchObject({
      enabled: true,
      locked: false,
      accountId: b.accountId,
    });
  });

  it('only owners change the defaults; admins read them; members get 403 and outsiders 404', async () => {
    const team = await createAccountWithTeam(t);
    const body = { items: [{ event: 'product.update', channel: 'email', enabled: true, locked: true }] };
    await t.http().get(defaultsPath(team.accountId)).set(team.admin.session.auth).expect(200);
    expect((await t.http().get(defaultsPath(team.accountId)).set(team.member.session.auth).expect(403)).body.code).toBe('ROLE_TOO_LOW');
    await t.http().put(defaultsPath(team.accountId)).set(team.member.session.auth).send(body).expect(403);
    await t.http().put(defaultsPath(team.accountId)).set(team.admin.session.auth).send(body).expect(403);
    await t.http().put(defaultsPath(team.accountId)).set(team.outsider.session.auth).send(body).expect(404);
    await t.http().put(discordPath(team.accountId)).set(team.admin.session.auth).send({ url: WEBHOOK }).expect(403);
    const grid = await t.http().get(defaultsPath(team.accountId)).set(team.owner.session.auth).expect(200);
    const cell = (grid.body.items as Array<{ event: string; channels: Array<{ channel: string; set: boolean }> }>)
      .find((i) => i.event === 'product.update')!
      .channels.find((c) => c.channel === 'email')!;
    expect(cell.set).toBe(false);
  });

  it('refuses unknown events and channels and a mandatory email turned off, naming the field; nothing is stored', async () => {
    const team = await createAccountWithTeam(t);
    const put = (items: unknown[]) => t.http().put(defaultsPath(team.accountId)).set(team.owner.session.auth).send({ items });
    const unknown = await put([{ event: 'no.such_event', channel: 'email', enabled: true, locked: false }]).expect(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'items.0.event' })]);
    const channel = await put([
      { event: 'product.update', channel: 'email', enabled: true, locked: false },
      { event: 'team.role_changed', channel: 'sms', enabled: true, locked: false },
    ]).expect(400);
    expect(channel.body.errors).toEqual([expect.objectContaining({ field: 'items.1.channel' })]);
    const notAChannel = await put([{ event: 'product.update', channel: 'pigeon', enabled: true, locked: false }]).expect(400);
    expect(notAChannel.body.errors).toEqual([expect.objectContaining({ field: 'items.0.channel' })]);
    const mandatory = await put([{ event: 'security.password_changed', channel: 'email', enabled: false, locked: true }]).expect(400);
    expect(mandatory.body).toMatchObject({ code: 'CHANNEL_LOCKED', errors: [expect.objectContaining({ field: 'items.0.enabled' })] });
    const twice = await put([
      { event: 'product.update', channel: 'email', enabled: true, locked: false },
      { event: 'product.update', channel: 'email', enabled: false, locked: false },
    ]).expect(400);
    expect(twice.body.errors).toEqual([expect.objectContaining({ field: 'items.1' })]);
    const missing = await put([{ event: 'product.update', channel: 'email', enabled: true }]).expect(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'items.0.locked' })]);
    const grid = await t.http().get(defaultsPath(team.accountId)).set(team.owner.session.auth).expect(200);
    expect(JSON.stringify(grid.body)).not.toContain('"set":true');
  });

  it('delivery follows the account: a locked-off mail is not sent, and is again once the lock is lifted', async () => {
    const team = await createAccountWithTeam(t, 'Quiet Co');
    const roleMails = () => t.mail.to(team.member.email).filter((m) => /Your role in Quiet Co changed/.test(m.subject));
    // The member had asked for these mails; the account locks them off.
    await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(team.member.session.auth)
      .send({ items: [{ event: 'team.role_changed', channel: 'email', enabled: true }] })
      .expect(200);
    await t
      .http()
      .put(defaultsPath(team.accountId))
      .set(team.owner.session.auth)
      .send({ items: [{ event: 'team.role_changed', channel: 'email', enabled: false, locked: true }] })
      .expect(200);
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.member.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'viewer' })
      .expect(200);
    await t.settle();
    expect(roleMails()).toHaveLength(0);

    await t.http().put(defaultsPath(team.accountId)).set(team.owner.session.auth).send({ items: [] }).expect(200);
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.member.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'member' })
      .expect(200);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.member.email) && /Your role in Quiet Co changed/.test(m.subject));
    expect(mail.text).toContain('member');
    expect(roleMails()).toHaveLength(1);

    const audit = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/audit-log?action=account.notification_defaults_changed`)
      .set(team.owner.session.auth)
      .expect(200);
    expect(audit.body.items).toHaveLength(2);
    expect(audit.body.items[1].metadata).toMatchObject({
      count: 1,
      locked: 1,
      changes: [{ event: 'team.role_changed', channel: 'email', enabled: false, locked: true }],
    });
  });

  it('a host event sent to an account mails its members by the account default, except a member who opted out', async () => {
    const team = await createAccountWithTeam(t, 'Newsy Co');
    await t
      .http()
      .put(defaultsPath(team.accountId))
      .set(team.owner.session.auth)
      .send({ items: [{ event: 'product.update', channel: 'email', enabled: true, locked: false }] })
      .expect(200);
    await t
      .http()
      .put('/api/v1/me/notification-preferences')
      .set(team.viewer.session.auth)
      .send({ items: [{ event: 'product.update', channel: 'email', enabled: false }] })
      .expect(200);
    const title = `Release ${randomUUID().slice(0, 8)}`;
    await t
      .http()
      .post('/api/v1/events')
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({ id: randomUUID(), type: 'product.update', accountId: team.accountId, data: { title, summary: 'Dark mode is here' } })
      .expect(202);
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(team.member.email) && m.subject === title);
    const got = t.mail.messages.filter((m) => m.subject === title).flatMap((m) => m.to);
    expect(got.sort()).toEqual([team.admin.email, team.member.email, team.owner.email].map((e) => e.toLowerCase()).sort());
    // The outsider is in no account with a default: the catalogue keeps product news out of email.
    await t
      .http()
      .post('/api/v1/events')
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({ id: randomUUID(), type: 'product.update', userId: team.outsider.id, data: { title: `${title} solo`, summary: 'x' } })
      .expect(202);
    await t.settle();
    expect(t.mail.to(team.outsider.email).filter((m) => m.subject === `${title} solo`)).toHaveLength(0);
  });

  it('an owner links a Discord webhook (stored sealed, shown masked); account alerts and a test message reach it through the outbox', async () => {
    const team = await createAccountWithTeam(t, 'Alerts Co');
    const bad = await t
      .http()
      .put(discordPath(team.accountId))
      .set(team.owner.session.auth)
      .send({ url: 'https://example.com/api/webhooks/1/abc' })
      .expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    expect(
      (
        await t
          .http()
          .post(`${discordPath(team.accountId)}/test`)
          .set(team.owner.session.auth)
          .expect(409)
      ).body.code,
    ).toBe('NO_ALERT_CHANNEL');

    const linked = await t.http().put(discordPath(team.accountId)).set(team.owner.session.auth).send({ url: WEBHOOK }).expect(200);
    expect(linked.body).toMatchObject({ kind: 'discord', hint: 'webhook 987654321098765432' });
    const shown = await t.http().get(`/api/v1/accounts/${team.accountId}/notification-channels`).set(team.admin.session.auth).expect(200);
    expect(shown.body.discord.hint).toBe('webhook 987654321098765432');
    expect(JSON.stringify([linked.body, shown.body])).not.toContain(WEBHOOK_TOKEN);
    const [stored] = await t.dataSource.query(`SELECT url_sealed, url_hint FROM account_notification_webhooks WHERE account_id = $1`, [
      team.accountId,
    ]);
    expect(stored.url_sealed).not.toContain(WEBHOOK_TOKEN);
    expect(stored.url_sealed).not.toContain('discord.com');

    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.member.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'admin' })
      .expect(200);
    // Requiring 2FA needs the owner's own second factor first.
    await enrolTotp(t, team.owner.session.auth);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(200);
    await t
      .http()
      .post(`${discordPath(team.accountId)}/test`)
      .set(team.owner.session.auth)
      .expect(202);
    await t.settle();
    const ours = () => discord.posts.filter((p) => p.path === '/api/webhooks/987654321098765432/' + WEBHOOK_TOKEN);
    const titles = ours().map((p) => p.body.embeds[0]!.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Role changed in Alerts Co',
        'Alerts Co now requires two-factor authentication',
        'Test alert from Alerts Co',
      ]),
    );
    const role = ours().find((p) => p.body.embeds[0]!.title === 'Role changed in Alerts Co')!;
    expect(role.body.embeds[0]!.description).toBe(
      `The owner (${team.owner.email}) changed the role of The member (${team.member.email}) from member to admin.`,
    );
    expect(role.delivery).toMatch(/^[0-9a-f-]{36}$/);

    // Five attempts an hour (the refused one before linking counted too).
    for (let i = 0; i < 3; i++) {
      await t
        .http()
        .post(`${discordPath(team.accountId)}/test`)
        .set(team.owner.session.auth)
        .expect(202);
    }
    const throttled = await t
      .http()
      .post(`${discordPath(team.accountId)}/test`)
      .set(team.owner.session.auth)
      .expect(429);
    expect(throttled.body.code).toBe('ALERT_TEST_THROTTLED');

    await t.http().delete(discordPath(team.accountId)).set(team.owner.session.auth).expect(204);
    expect(
      (await t.http().get(`/api/v1/accounts/${team.accountId}/notification-channels`).set(team.owner.session.auth).expect(200)).body
        .discord,
    ).toBeNull();
    const before = ours().length;
    await t
      .http()
      .patch(`/api/v1/accounts/${team.accountId}/members/${team.member.id}`)
      .set(team.owner.session.auth)
      .send({ role: 'member' })
      .expect(200);
    await t.settle();
    expect(ours()).toHaveLength(before);

    const audit = await t.http().get(`/api/v1/accounts/${team.accountId}/audit-log`).set(team.owner.session.auth).expect(200);
    const actions = (audit.body.items as Array<{ action: string; metadata: Record<string, unknown> }>).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['account.alert_channel_linked', 'account.alert_channel_removed']));
    expect(JSON.stringify(audit.body)).not.toContain(WEBHOOK_TOKEN);
  });

  it('a member joining through an invitation is announced in the account channel', async () => {
    const team = await createAccountWithTeam(t, 'Joiners Co');
    await t.http().put(discordPath(team.accountId)).set(team.owner.session.auth).send({ url: WEBHOOK }).expect(200);
    const joiner = await createUser(t, { displayName: 'Jo Joiner' });
    const token = await invite(team, joiner.email);
    const s = await signIn(t, joiner.email);
    await t.http().post(`/api/v1/invitations/${token}/accept`).set(s.auth).send({}).expect(200);
    await t.settle();
    const post = discord.posts.find((p) => p.body.embeds[0]!.title === `Jo Joiner (${joiner.email}) joined Joiners Co`);
    expect(post?.body.embeds[0]!.description).toBe(`Jo Joiner (${joiner.email}) accepted an invitation as member.`);
  });
});
