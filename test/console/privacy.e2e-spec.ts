import { createUser, signIn } from '../factories/users.factory';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, freePort, launchChromium } from './pages/console.page';
import { MyAccountPage, screenshotBoth } from './pages/my-account.page';
import { MailView, PublicPages } from './pages/public-pages.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describe('Console privacy journeys: consent switches, deletion scheduled then cancelled (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];

  const browse = async () => {
    const c = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(c);
    return c;
  };

  /** Through the sign-in page: for the sign-in after a deletion, which shows the date. */
  const signedIn = async (c: ConsolePage, email: string, password: string, totpSecret?: string) => {
    await c.signIn(email, password);
    if (totpSecret) {
      await c.page.getByLabel('Code').waitFor();
      await c.enterCode(totpNow(t, totpSecret));
    }
    await c.waitForHeading(/Welcome/);
  };

  const scheduledFor = async (userId: string): Promise<Date | null> => {
    const [{ at }] = await t.dataSource.query(`SELECT deletion_scheduled_for AS at FROM users WHERE id = $1`, [userId]);
    return at ? new Date(at) : null;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    // PUBLIC_URL is the address the app listens on, so the mailed links open in the browser.
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    t = await createTestApp({ env: { PUBLIC_URL: baseUrl } });
    await t.app.listen(port, '127.0.0.1');
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

  it('the consent switches are saved, listed in the history, and still set after a reload', async () => {
    const user = await createUser(t, { displayName: 'Cora Consent' });
    const c = await browse();
    await c.signInByApi(user.email, user.password);
    await c.waitForHeading(/Welcome/);
    const me = new MyAccountPage(c);
    await me.open('privacy');
    const analytics = me.consentSwitch('analytics');
    const marketing = me.consentSwitch('marketing');
    await analytics.waitFor();
    expect(await analytics.isChecked()).toBe(true);
    expect(await marketing.isChecked()).toBe(false);

    await marketing.check();
    expect(await c.settledCount(me.consentHistoryRows(), 1)).toBe(1);
    await analytics.uncheck();
    expect(await c.settledCount(me.consentHistoryRows(), 2)).toBe(2);
    expect(await me.consentHistoryRows().first().innerText()).toContain('Opted out of usage analytics');
    await screenshotBoth(c, 'my-account-privacy-consent');

    await c.page.reload();
    await me.consentSwitch('marketing').waitFor();
    await me.section('privacy-choices').getByTestId('consent-history').waitFor();
    expect(await me.consentSwitch('marketing').isChecked()).toBe(true);
    expect(await me.consentSwitch('analytics').isChecked()).toBe(false);
    const api = await signIn(t, user.email);
    expect((await t.http().get('/api/v1/me/privacy').set(api.auth).expect(200)).body).toMatchObject({
      marketingEmail: true,
      analyticsOptOut: true,
    });
    const history = await t.http().get('/api/v1/me/consents').set(api.auth).expect(200);
    expect(history.body.items.map((r: { source: string }) => r.source)).toEqual(['console', 'console']);
  });

  it('deleting my account signs me out; signing in again shows the date and cancels it', async () => {
    const user = await createUser(t, { displayName: 'Dana Deleter' });
    const session = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, session.auth);
    t.clock.advance(30_000);
    const c = await browse();
    await c.signInByApi(user.email, user.password, () => totpNow(t, secret));
    await c.waitForHeading(/Welcome/);
    const me = new MyAccountPage(c);
    await me.open('privacy');
    t.clock.advance(30_000);
    await me.deleteAccount(user.password, totpNow(t, secret));
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    const at = await scheduledFor(user.id);
    expect(at).not.toBeNull();
    await t.http().get('/api/v1/me').set(session.auth).expect(401);

    t.clock.advance(30_000);
    await signedIn(c, user.email, user.password, secret);
    const banner = me.deletionBanner();
    await banner.waitFor();
    expect(await banner.innerText()).toContain('scheduled for deletion on');
    await screenshotBoth(c, 'deletion-banner');
    await banner.getByRole('button', { name: 'Cancel deletion' }).click();
    await banner.waitFor({ state: 'detached' });
    expect(await scheduledFor(user.id)).toBeNull();
    await c.page.reload();
    await c.waitForHeading(/Welcome/);
    expect(await me.deletionBanner().count()).toBe(0);
  });

  it('the cancel link in the deletion mail, opened in the browser, keeps the account without signing in', async () => {
    const user = await createUser(t, { displayName: 'Lin Link' });
    const session = await signIn(t, user.email);
    await t.http().delete('/api/v1/me').set(session.auth).send({ password: user.password }).expect(202);
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /will be deleted on/.test(m.subject));

    const c = await browse();
    const href = await new MailView(c).click(mail, 'Cancel the deletion');
    expect(href).toContain('/admin/#/cancel-deletion?token=');
    const pages = new PublicPages(c);
    await pages.button('Cancel the deletion').click();
    expect(await pages.outcome()).toMatchObject({ severity: 'success', text: expect.stringContaining('will not be deleted') });
    await pages.screenshots('cancel-deletion');
    expect(await scheduledFor(user.id)).toBeNull();

    // The link works once.
    await new MailView(c).click(mail, 'Cancel the deletion');
    await pages.button('Cancel the deletion').click();
    expect(await pages.outcome()).toMatchObject({ severity: 'error', text: expect.stringContaining('no longer valid') });
    await signIn(t, user.email);
  });
});
