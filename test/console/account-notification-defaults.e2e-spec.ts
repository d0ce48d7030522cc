import { createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD } from '../factories/users.factory';
import { DiscordFake } from '../notifications/discord-fake';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, launchChromium, serveOnLoopback } from './pages/console.page';
import { MyAccountPage, screenshotBoth } from './pages/my-account.page';

jest.retryTimes(1, { logErrorsBeforeRetry: true });

const WEBHOOK_TOKEN = 'JoUrNeYtOkEn_0123456789abcdefXYZ';
const WEBHOOK = `https://discord.com/api/webhooks/555555555555555555/${WEBHOOK_TOKEN}`;

describe('Console: account notification defaults (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let discord: DiscordFake;
  let baseUrl: string;
  const pages: ConsolePage[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    discord = await new DiscordFake().start();
    t = await createTestApp({ env: { DISCORD_API_BASE: discord.url } });
    baseUrl = await serveOnLoopback(t.app);
  }, 120_000);

  afterEach(async () => {
    for (const p of pages.splice(0)) {
      await p.close();
    }
  });

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
    await discord?.close();
  });

  it('an owner turns a default on and locks it, links the account Discord; the member sees the channel locked with the reason', async () => {
    const team = await createAccountWithTeam(t, 'Journey Co');

    const owner = await ConsolePage.open(chrome.browser, baseUrl);
    pages.push(owner);
    await owner.signInByApi(team.owner.email, TEST_PASSWORD);
    await owner.page.getByRole('menuitem', { name: 'Account settings' }).waitFor();
    await owner.goto('/settings');
    const card = owner.page.getByTestId('notification-defaults');
    const on = card.getByLabel('product.update by email: on by default');
    const mayChange = card.getByLabel('product.update by email: members may change');
    expect(await on.isChecked()).toBe(false);
    expect(await mayChange.isChecked()).toBe(true);
    expect(await card.getByLabel('security.password_changed by email: on by default').isDisabled()).toBe(true);
    await on.check();
    await mayChange.uncheck();
    await card.getByRole('button', { name: 'Save notification defaults' }).click();
    await owner.page.getByText('Notification defaults saved').waitFor();

    const alerts = owner.page.getByTestId('account-discord');
    await alerts.getByLabel(/Discord webhook URL for account alerts/).fill(WEBHOOK);
    await alerts.getByRole('button', { name: 'Send account alerts to Discord' }).click();
    await alerts.getByText('Sending to webhook 555555555555555555').waitFor();
    expect(await alerts.innerText()).not.toContain(WEBHOOK_TOKEN);
    await alerts.getByRole('button', { name: 'Send a test message' }).click();
    await owner.page.getByText('Test message sent').waitFor();
    await screenshotBoth(owner, 'account-notification-defaults');

    // What the owner saved is what the API holds.
    const grid = await t.http().get(`/api/v1/accounts/${team.accountId}/notification-defaults`).set(team.owner.session.auth).expect(200);
    const cell = (grid.body.items as Array<{ event: string; channels: Array<{ channel: string }> }>)
      .find((i) => i.event === 'product.update')!
      .channels.find((c) => c.channel === 'email');
    expect(cell).toMatchObject({ enabled: true, locked: true, set: true });
    await t.settle();
    expect(discord.posts.map((p) => p.body.embeds[0]!.title)).toContain('Test alert from Journey Co');

    const member = await ConsolePage.open(chrome.browser, baseUrl);
    pages.push(member);
    await member.signInByApi(team.member.email, TEST_PASSWORD);
    await member.page.getByRole('menuitem', { name: 'My account' }).waitFor();
    const me = new MyAccountPage(member);
    await me.open('notifications');
    const locked = member.page.getByLabel('product.update by email', { exact: true });
    await locked.waitFor();
    expect(await locked.isChecked()).toBe(true);
    expect(await locked.isDisabled()).toBe(true);
    expect(await member.page.getByTestId('lock-product.update-email').innerText()).toBe('Locked by Journey Co');
    // A channel the account left alone stays the member's to change.
    expect(await member.page.getByLabel('product.update by in_app', { exact: true }).isDisabled()).toBe(false);
    await screenshotBoth(member, 'member-notifications-locked');
  });
});
