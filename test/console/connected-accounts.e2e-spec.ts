import { Page } from 'playwright-core';

import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { OidcProviderFake } from '../fakes/oidc-provider-fake';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, freePort, launchChromium } from './pages/console.page';
import { MyAccountPage, screenshotBoth } from './pages/my-account.page';
import { MailView } from './pages/public-pages.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

/** The provider's own sign-in page (oidc-provider's development form): any password for a known subject. */
async function signInAtProvider(page: Page, issuer: string, subject: string): Promise<void> {
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await page.locator('input[name="login"]').fill(subject);
  await page.locator('input[name="password"]').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

describe('Console: connected accounts (Chromium, a real OpenID Connect provider, the real API)', () => {
  let t: TestApp;
  let idp: OidcProviderFake;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    idp = await new OidcProviderFake({
      clientId: 'latchkey-console',
      clientSecret: 'console-oidc-secret',
      redirectUris: [`${baseUrl}/api/v1/auth/providers/acme/callback`],
      accounts: {},
    }).start();
    t = await createTestApp({
      env: {
        PUBLIC_URL: baseUrl,
        OIDC_PROVIDERS: 'acme',
        OIDC_ACME_ISSUER: idp.issuer,
        OIDC_ACME_CLIENT_ID: 'latchkey-console',
        OIDC_ACME_CLIENT_SECRET: 'console-oidc-secret',
        OIDC_ACME_NAME: 'Acme SSO',
      },
    });
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
    await idp?.close();
  });

  const page = async () => {
    const c = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(c);
    return c;
  };

  it('"Continue with Acme SSO" goes through the provider’s sign-in page and back into the console as a new user', async () => {
    const email = uniqueEmail('sso-journey');
    await idp.setAccounts({ 'journey-1': { email, email_verified: true, name: 'Journey Person' } });
    const c = await page();
    await c.goto('/login');
    await c.page.getByRole('button', { name: 'Continue with Acme SSO' }).click();
    await signInAtProvider(c.page, idp.issuer, 'journey-1');
    await c.waitForHeading(/Welcome/);
    const me = new MyAccountPage(c);
    await me.open('connected-accounts');
    const row = me.section('connected-accounts').getByTestId('connected-account-row');
    await row.filter({ hasText: email }).waitFor();
    await row.getByRole('button', { name: 'Confirm it is you' }).waitFor();
    await screenshotBoth(c, 'my-account-connected-accounts');
    // The only way in: disconnecting it is refused with what to add first.
    await row.getByRole('button', { name: 'Disconnect' }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await me
      .section('connected-accounts-error')
      .filter({ hasText: /only way you can sign in/ })
      .waitFor();
  });

  it('a signed-in user connects the provider in My account, follows the mail back, and disconnects it', async () => {
    const user = await createUser(t);
    await idp.setAccounts({ 'journey-2': { email: uniqueEmail('work'), email_verified: true, name: 'Work Me' } });
    const c = await page();
    await c.signIn(user.email, TEST_PASSWORD);
    await c.waitForHeading(/Welcome/);
    const me = new MyAccountPage(c);
    await me.open('connected-accounts');
    await me.section('connected-accounts').getByText('No connected accounts.').waitFor();
    await c.page.getByRole('button', { name: 'Connect Acme SSO' }).click();
    await signInAtProvider(c.page, idp.issuer, 'journey-2');
    await c.page.getByText('Connected. You can now sign in with it.').waitFor();
    const row = me.section('connected-accounts').getByTestId('connected-account-row').filter({ hasText: 'Acme SSO' });
    await row.waitFor();

    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /Acme SSO account was connected/.test(m.subject));
    expect(await new MailView(c).click(mail, 'your connected accounts')).toBe(`${baseUrl}/admin/#/me/connected-accounts`);
    await row.waitFor();

    await row.getByRole('button', { name: 'Disconnect' }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await me.section('connected-accounts').getByText('No connected accounts.').waitFor();
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /disconnected/.test(m.subject));
  });

  it('a linked user with an authenticator app is asked for a code after the provider, then is in', async () => {
    const user = await createUser(t);
    const s = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, s.auth);
    await t.dataSource.query(
      `INSERT INTO connected_identities (user_id, provider, issuer, subject, email, email_verified, linked_at)
       VALUES ($1, 'acme', $2, 'journey-4', $3, true, now())`,
      [user.id, idp.issuer, user.email],
    );
    await idp.setAccounts({ 'journey-4': { email: user.email, email_verified: true, name: 'Two Factor' } });
    const c = await page();
    await c.goto('/login');
    await c.page.getByRole('button', { name: 'Continue with Acme SSO' }).click();
    await signInAtProvider(c.page, idp.issuer, 'journey-4');
    await c.page.getByLabel('Code').waitFor();
    await c.enterCode(totpNow(t, secret));
    await c.waitForHeading(/Welcome/);
  });

  it('a verified email of an existing account asks for its password, then signs in and links', async () => {
    const user = await createUser(t);
    await idp.setAccounts({ 'journey-3': { email: user.email, email_verified: true, name: 'Same Person' } });
    const c = await page();
    await c.goto('/login');
    await c.page.getByRole('button', { name: 'Continue with Acme SSO' }).click();
    await signInAtProvider(c.page, idp.issuer, 'journey-3');
    const card = c.page.getByTestId('provider-link-existing');
    await card.getByText(user.email).waitFor();
    await card.getByLabel(/^Password/).fill('not-the-password-9');
    await card.getByRole('button', { name: 'Connect and sign in' }).click();
    await card.getByText('The password is not right.').waitFor();
    await card.getByLabel(/^Password/).fill(TEST_PASSWORD);
    await card.getByRole('button', { name: 'Connect and sign in' }).click();
    await c.waitForHeading(/Welcome/);
    expect(await t.dataSource.query(`SELECT provider FROM connected_identities WHERE user_id = $1`, [user.id])).toEqual([
      { provider: 'acme' },
    ]);
  });

  it('an existing account without a password proves it by the emailed link: clicked in the same browser, it links and signs in', async () => {
    const user = await createUser(t);
    await t.dataSource.query(`UPDATE users SET password_hash = NULL WHERE id = $1`, [user.id]);
    await idp.setAccounts({ 'journey-5': { email: user.email, email_verified: true, name: 'No Password' } });
    const c = await page();
    await c.goto('/login');
    await c.page.getByRole('button', { name: 'Continue with Acme SSO' }).click();
    await signInAtProvider(c.page, idp.issuer, 'journey-5');
    const card = c.page.getByTestId('provider-link-existing');
    await card.getByText(user.email).waitFor();
    await card.getByRole('button', { name: 'Email me a link instead' }).click();
    await card.getByTestId('provider-link-mailed').waitFor();

    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(user.email) && /Connect your Acme SSO sign-in/.test(m.subject));
    expect(await new MailView(c).click(mail, 'Connect Acme SSO and sign in')).toMatch(
      new RegExp(`^${baseUrl}/admin/#/link-account\\?token=`),
    );
    await c.page.getByTestId('link-account').getByRole('button', { name: 'Connect and sign in' }).click();
    await c.waitForHeading(/Welcome/);
    expect(await t.dataSource.query(`SELECT provider FROM connected_identities WHERE user_id = $1`, [user.id])).toEqual([
      { provider: 'acme' },
    ]);
  });
});
