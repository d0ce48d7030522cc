import { randomBytes } from 'node:crypto';

import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, launchChromium, serveOnLoopback } from './pages/console.page';
import { MyAccountPage, screenshotBoth } from './pages/my-account.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const SERVICE_TOKEN = randomBytes(24).toString('hex');

describe('Console: an event type the host registered shows in My account > Notifications (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    t = await createTestApp({ env: { SERVICE_TOKEN } });
    baseUrl = await serveOnLoopback(t.app);
  }, 120_000);

  afterEach(async () => {
    for (const c of open.splice(0)) {
      await c.close();
    }
  });

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('lists the host type with its channels and defaults; turning a channel off there stops that channel', async () => {
    const name = `host.campaign.update_${randomBytes(3).toString('hex')}`;
    const description = `Campaign ${randomBytes(3).toString('hex')} changed`;
    await t
      .http()
      .post('/api/v1/service/event-types')
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({
        name,
        category: 'product',
        description,
        channels: ['email', 'in_app', 'discord'],
        defaults: ['in_app'],
        dataSchema: { type: 'object', properties: { campaign: { type: 'string' } }, required: ['campaign'] },
        templates: {
          en: {
            email: { subject: 'Campaign {{campaign}} changed', html: '<p>{{campaign}}</p>', text: '{{campaign}}' },
            inApp: { title: 'Campaign {{campaign}} changed', body: 'See {{campaign}}' },
            discord: { text: '{{campaign}} changed' },
          },
        },
      })
      .expect(201);
    const user = await createUser(t, { displayName: 'Cam Paign' });
    const c = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(c);
    await c.signInByApi(user.email, TEST_PASSWORD);
    await c.waitForHeading(/Welcome/);
    const me = new MyAccountPage(c);
    await me.open('notifications');
    const grid = me.section('notification-preferences');
    const row = grid.getByRole('row').filter({ hasText: description });
    await row.waitFor();
    const box = (channel: string) => row.getByRole('checkbox', { name: `${name} by ${channel}` });
    expect(await box('email').isChecked()).toBe(false);
    expect(await box('in_app').isChecked()).toBe(true);
    expect(await box('discord').isChecked()).toBe(false);
    expect(await box('sms').count()).toBe(0);
    await screenshotBoth(c, 'my-account-notifications-host-type');

    await box('email').click();
    await box('in_app').click();
    // Each click saves and reloads the grid: wait for the saved state, not the click.
    await row.locator(`input[aria-label="${name} by email"]:checked`).waitFor();
    await row.locator(`input[aria-label="${name} by in_app"]:not(:checked)`).waitFor();
    const s = await signIn(t, user.email);
    const prefs = await t.http().get('/api/v1/me/notification-preferences').set(s.auth).expect(200);
    expect(prefs.body.items.find((i: { event: string }) => i.event === name).channels).toEqual([
      { channel: 'email', enabled: true, default: false, locked: false, source: 'user' },
      { channel: 'in_app', enabled: false, default: true, locked: false, source: 'user' },
      { channel: 'discord', enabled: false, default: false, locked: false, source: 'catalogue' },
    ]);

    const campaign = `Spring ${randomBytes(3).toString('hex')}`;
    await t
      .http()
      .post('/api/v1/events')
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({ id: `evt-${randomBytes(6).toString('hex')}`, type: name, userId: user.id, data: { campaign } })
      .expect(202);
    await t.settle();
    expect(
      t.mail
        .to(user.email)
        .map((m) => m.subject)
        .filter((subject) => subject.startsWith('Campaign')),
    ).toEqual([`Campaign ${campaign} changed`]);
    const inbox = await t.http().get('/api/v1/me/notifications').set(s.auth).expect(200);
    expect(inbox.body.items.filter((i: { event: string }) => i.event === name)).toEqual([]);
  });
});
