import { randomBytes } from 'node:crypto';

import type { Locator } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';

import { AccountWithTeam, createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { WebhookReceiver } from '../fakes/webhook-receiver';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { TICKETS, makeStaff, openTicket, ticketIdFor } from '../support/support-helpers';
import {
  ConsoleBrowser,
  ConsolePage,
  MembersPage,
  SecurityPage,
  SettingsPage,
  TicketPage,
  ensureConsoleBuilt,
  launchChromium,
  serveOnLoopback,
} from './pages/console.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const SERVICE_TOKEN = randomBytes(24).toString('hex');

/** A computed style of the element, as the browser applies it. */
function styleOf(target: Locator, property: 'animationName' | 'transitionDuration'): Promise<string> {
  type Window = { getComputedStyle(el: unknown): Record<typeof property, string> };
  return target.evaluate((el, prop) => (globalThis as unknown as Window).getComputedStyle(el)[prop], property);
}

describe('Console journeys (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  let c: ConsolePage | undefined;

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    t = await createTestApp({ env: { SERVICE_TOKEN, WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    baseUrl = await serveOnLoopback(t.app);
  }, 120_000);

  afterEach(async () => {
    await c?.close();
    c = undefined;
  });

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it("is React's production build, as `npm start` serves it (Jest's NODE_ENV=test must not reach the build)", async () => {
    const index = await (await fetch(`${baseUrl}/admin/`)).text();
    const scripts = [...index.matchAll(/src="(\/admin\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const bundle = await (await fetch(`${baseUrl}${src}`)).text();
      expect(bundle).toContain('createRoot');
      // Only React's development build invites the reader to install its DevTools.
      expect(bundle).not.toContain('react.dev/link/react-devtools');
    }
  });

  it('a journey after another gets the same tab back signed out, with nothing stored (ConsolePage wipes its context)', async () => {
    const user = await createUser(t, { displayName: 'Lee Leftover' });
    const first = await ConsolePage.open(chrome.browser, baseUrl);
    await first.signInByApi(user.email, TEST_PASSWORD);
    await first.waitForHeading(/Welcome/);
    await first.page.evaluate("localStorage.setItem('left-behind', '1'); sessionStorage.setItem('left-behind', '1')");
    await first.page.emulateMedia({ reducedMotion: 'no-preference' });
    await first.close();

    c = await ConsolePage.open(chrome.browser, baseUrl);
    // The same renderer, so the console's bundle is not compiled again for every journey.
    expect(c.page).toBe(first.page);
    expect(await c.page.context().cookies()).toEqual([]);
    expect(await c.page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")).toBe(true);
    await c.goto('/');
    await c.page.getByLabel('Email').waitFor();
    expect(await c.page.evaluate("[localStorage.getItem('left-behind'), sessionStorage.getItem('left-behind')]")).toEqual([null, null]);
    // Closing the first journey's page again leaves alone the tab the second journey holds now.
    await c.page.evaluate("localStorage.setItem('mine', '1')");
    await first.close();
    expect(c.page.url()).toContain('/admin/');
    expect(await c.page.evaluate("localStorage.getItem('mine')")).toBe('1');
  });

  it('an owner signs in with TOTP, sees 2FA status, requires 2FA and exports the members CSV', async () => {
    const team: AccountWithTeam = await createAccountWithTeam(t, 'Acme Owners');
    const { secret } = await enrolTotp(t, team.owner.session.auth);
    c = await ConsolePage.open(chrome.browser, baseUrl);

    await c.goto('/login');
    // Reduced motion leaves the fields their motionless keyframe, from which MUI learns of an autofill.
    expect(await styleOf(c.page.getByLabel('Email'), 'animationName')).toBe('mui-auto-fill-cancel');
    await c.submitSignIn(team.owner.email, TEST_PASSWORD);
    await c.page.getByLabel('Code').waitFor();
    await c.enterCode(totpNow(t, secret), true);
    await c.page.getByTestId('adoption-chart').waitFor();
    expect(await c.page.getByTestId('adoption-chart').innerText()).toContain('25%');
    expect(await c.menuItems()).toEqual(expect.arrayContaining(['Members', 'Audit log', 'Account settings']));
    await c.screenshot('dashboard-owner');

    const members = new MembersPage(c);
    await members.open();
    expect(await members.columnHeaders()).toContain('2FA');
    expect(await members.row(team.owner.email).innerText()).toContain('2FA: Authenticator');
    for (const m of [team.admin, team.member, team.viewer]) {
      expect(await members.row(m.email).innerText()).toContain('No 2FA');
    }
    await c.screenshot('members-owner');

    const settings = new SettingsPage(c);
    await settings.open();
    expect(await settings.requireTwoFactor()).toContain('3 member(s) do not have 2FA yet');
    await c.page.getByText('Saved. 3 member(s) must set up 2FA at next sign-in.').waitFor();
    await c.screenshot('settings');
    const [row] = await t.app.get(DataSource).query('SELECT require_2fa AS on FROM accounts WHERE id = $1', [team.accountId]);
    expect(row.on).toBe(true);

    // The host's billing system pushes the summary; the owner sees it under the settings.
    await c.page.getByTestId('billing-summary').getByText('No billing information yet.').waitFor();
    await t
      .http()
      .put(`/api/v1/service/accounts/${team.accountId}/billing`)
      .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
      .send({ planName: 'Team (annual)', seats: 25, renewsOn: '2027-01-31', paymentMethod: { brand: 'visa', last4: '4242' } })
      .expect(200);
    await settings.open();
    const billing = c.page.getByTestId('billing-summary');
    await billing.getByText('Visa ending in 4242').waitFor();
    expect(await billing.innerText()).toMatch(/Team \(annual\)[\s\S]*25[\s\S]*2027/);

    await members.open();
    const csv = await members.exportCsv();
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(5);
    for (const m of [team.owner, team.admin, team.member, team.viewer]) {
      expect(lines.filter((l) => l.includes(m.email))).toHaveLength(1);
    }
    expect(csv).not.toContain(team.outsider.email);

    await c.goto('/audit-log');
    await c.page.getByText(`The owner (${team.owner.email}) required two-factor authentication for every member.`).first().waitFor();
    await c.screenshot('audit-log');
  });

  it('a member sees a read-only roster with no admin menu and no 2FA column', async () => {
    const team = await createAccountWithTeam(t, 'Acme Members');
    c = await ConsolePage.open(chrome.browser, baseUrl, { width: 390, height: 844 });

    await c.signInByApi(team.member.email, TEST_PASSWORD);
    await c.waitForHeading(/Welcome/);
    await c.page.getByText('Acme Members: you are member').waitFor();
    expect(await c.page.getByTestId('adoption-chart').count()).toBe(0);
    await c.screenshot('dashboard-member-phone');

    await c.page.setViewportSize({ width: 1280, height: 900 });
    const items = await c.menuItems();
    expect(items).toEqual(expect.arrayContaining(['Team', 'My account']));
    for (const admin of ['Members', 'Invitations', 'Audit log', 'Account settings']) {
      expect(items).not.toContain(admin);
    }
    const members = new MembersPage(c);
    await members.open();
    const headers = await members.columnHeaders();
    expect(headers).not.toContain('2FA');
    expect(await members.row(team.owner.email).innerText()).toContain('owner');
    expect(await c.page.getByRole('link', { name: 'Export CSV' }).count()).toBe(0);
    expect(await c.page.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    await c.screenshot('members-member');

    // Every journey's browser asks for reduced motion, and the console then moves nothing
    // (admin-ui/index.html); without the request its buttons ease as usual.
    const page = c.page;
    const easing = async () => parseFloat(await styleOf(page.locator('header button').first(), 'transitionDuration'));
    expect(await easing()).toBeLessThan(0.001);
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    expect(await easing()).toBeGreaterThan(0.1);
  });

  it('an owner adds a security webhook, keeps its secret, sends a test event and sees it delivered', async () => {
    // The standard verifier checks the signed timestamp against the real time: a retry runs after
    // the support journey moved this app's clock days ahead, so the clock goes back to real time.
    t.clock.reset();
    const receiver = await new WebhookReceiver().start();
    try {
      const team = await createAccountWithTeam(t, 'Acme Hooks');
      c = await ConsolePage.open(chrome.browser, baseUrl);
      await c.signInByApi(team.owner.email, TEST_PASSWORD);
      await c.waitForHeading(/Welcome/);
      expect(await c.menuItems()).toContain('Webhooks');
      await c.goto('/webhooks');
      await c.page.getByLabel('Endpoint URL').fill(receiver.url);
      await c.page.getByLabel('Description').fill('Our SIEM');
      await c.page.getByLabel('Two-factor turned on').check();
      await c.page.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = (await c.page.getByTestId('webhook-secret').locator('code').first().innerText()).trim();
      expect(secret).toMatch(/^whsec_/);
      const endpoint = c.page.getByTestId('webhook-endpoint').filter({ hasText: receiver.url });
      expect(await endpoint.innerText()).toContain('Our SIEM · mfa.enabled · on');
      await c.screenshot('webhooks');

      // The test event is queued by the API call the button makes: wait for its answer before
      // waiting for the outbox, or the outbox may be empty still.
      await Promise.all([
        c.page.waitForResponse((r) => r.request().method() === 'POST' && /\/webhooks\/[^/]+\/test$/.test(new URL(r.url()).pathname)),
        endpoint.getByRole('button', { name: 'Send test event' }).click(),
      ]);
      await t.settle();
      await endpoint.getByRole('button', { name: 'Refresh log' }).click();
      const row = endpoint.getByTestId('webhook-delivery').first();
      await row.getByText('delivered').waitFor();
      expect(await row.innerText()).toContain('webhook.test');
      const got = receiver.ofType('webhook.test')[0]!;
      expect(() =>
        new Webhook(secret).verify(got.body, {
          'webhook-id': String(got.headers['webhook-id']),
          'webhook-timestamp': String(got.headers['webhook-timestamp']),
          'webhook-signature': String(got.headers['webhook-signature']),
        }),
      ).not.toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('a new user enables TOTP from My account and keeps the backup codes', async () => {
    const user = await createUser(t, { displayName: 'New Person' });
    c = await ConsolePage.open(chrome.browser, baseUrl);

    await c.signInByApi(user.email, TEST_PASSWORD);
    await c.waitForHeading('Welcome, New Person');
    const security = new SecurityPage(c);
    await security.open();
    expect(await c.page.getByTestId('mfa-status').innerText()).toContain('2FA is off');
    const secret = await security.startTotp();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await c.screenshot('my-account-totp-qr');
    const codes = await security.confirmTotp(totpNow(t, secret));
    expect(codes).toHaveLength(10);
    const [download] = await Promise.all([
      c.page.waitForEvent('download'),
      c.page.getByRole('button', { name: 'Download as .txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('latchkey-backup-codes.txt');
    await c.page.getByRole('button', { name: 'I saved my codes' }).click();
    await c.page.getByText('2FA is on').waitFor();
    expect(await c.page.getByTestId('mfa-status').innerText()).toContain('10 backup codes left');
    await c.screenshot('my-account-security');
  });
  it('a member of an account that requires 2FA is walked through the QR and the backup codes at sign-in', async () => {
    const team = await createAccountWithTeam(t, 'Acme Strict');
    await enrolTotp(t, team.owner.session.auth);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(200);
    c = await ConsolePage.open(chrome.browser, baseUrl);

    await c.signIn(team.member.email, TEST_PASSWORD);
    await c.waitForHeading('Set up two-factor authentication');
    const security = new SecurityPage(c);
    const secret = await security.startTotp();
    await c.screenshot('setup-required');
    expect(await security.confirmTotp(totpNow(t, secret))).toHaveLength(10);
    await c.page.getByRole('button', { name: 'I saved my codes' }).click();
    await c.page.getByText('Acme Strict: you are member').waitFor();
  });
  it('support: an agent records checks, a lead approves, the cool-down passes, the agent executes and the user must set up MFA', async () => {
    const user = await createUser(t, { displayName: 'Robin Lost' });
    await enrolTotp(t, (await signIn(t, user.email)).auth);
    // Staff need 2FA: both have an authenticator and sign in with its code.
    const agent = await makeStaff(t, 'support', { displayName: 'Agent Ada' });
    const lead = await makeStaff(t, 'support_lead', { displayName: 'Lead Lin' });
    const token = await openTicket(t, user.email);
    await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(204);
    const id = await ticketIdFor(t, user.email);

    c = await ConsolePage.open(chrome.browser, baseUrl);
    await c.page.clock.install({ time: t.clock.nowMs() });
    await c.signInByApi(agent.email, TEST_PASSWORD, () => totpNow(t, agent.totpSecret));
    await c.waitForHeading(/Welcome/);
    await c.goto('/tickets');
    await c.page.locator('table tbody tr', { hasText: user.email }).click();
    const ticket = new TicketPage(c);
    await c.page.getByRole('heading', { name: 'Verification checklist' }).waitFor();
    expect(await ticket.state()).toBe('open');
    await ticket.recordChecks({
      'Sign-in history described correctly': 'Described the last three sign-ins correctly',
      'Government ID seen': 'Passport seen on a video call',
    });
    await c.page.getByText('awaiting approval', { exact: true }).first().waitFor();
    await c.screenshot('support-ticket-verified');

    const leadConsole = await ConsolePage.open(chrome.browser, baseUrl);
    try {
      await leadConsole.signInByApi(lead.email, TEST_PASSWORD, () => totpNow(t, lead.totpSecret));
      await leadConsole.waitForHeading(/Welcome/);
      const leadTicket = new TicketPage(leadConsole);
      await leadTicket.open(id);
      await leadTicket.decide('Approve', 'Checks consistent', lead.proof());
      await leadConsole.page.getByTestId('cooldown').waitFor();
      expect(await leadConsole.page.getByTestId('cooldown').innerText()).toMatch(/Cool-down: \d+:\d\d:\d\d left/);
      await leadConsole.screenshot('support-ticket-approved');
    } finally {
      await leadConsole.close();
    }

    const [{ due }] = await t.dataSource.query('SELECT execute_after AS due FROM support_tickets WHERE id = $1', [id]);
    const wait = new Date(due).getTime() - t.clock.nowMs() + 1000;
    t.clock.advance(wait);
    await c.page.clock.fastForward(wait);
    await ticket.open(id);
    expect(await c.page.getByTestId('cooldown').innerText()).toContain('Cool-down over');
    await ticket.execute(agent.proof());
    await c.page.getByText('approved → executed').waitFor();
    expect(await ticket.state()).toBe('executed');
    await c.screenshot('support-ticket-executed');

    await c.goto('/staff-users');
    await c.filterList('Email or name', user.email);
    await c.page.locator('table tbody tr', { hasText: user.email }).click();
    await c.page.getByText('2FA off').waitFor();
    await c.screenshot('support-user-lookup');
    await c.close();

    c = await ConsolePage.open(chrome.browser, baseUrl);
    await c.signIn(user.email, TEST_PASSWORD);
    await c.waitForHeading('Set up two-factor authentication');
  });
});
