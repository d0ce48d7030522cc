import { TEST_PASSWORD, createUser, signIn } from '../factories/users.factory';
import { STEP_MS, enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, SecurityPage, ensureConsoleBuilt, launchChromium, serveOnLoopback } from './pages/console.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describe('Console: several authenticator apps by name', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  let c: ConsolePage | undefined;

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    t = await createTestApp();
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

  it('adds a second authenticator with a name, signs in with it, renames it and removes the first', async () => {
    const user = await createUser(t, { displayName: 'Two Apps' });
    const { secret: first } = await enrolTotp(t, (await signIn(t, user.email)).auth);
    c = await ConsolePage.open(chrome.browser, baseUrl);
    await c.signInByApi(user.email, TEST_PASSWORD, () => totpNow(t, first));
    const security = new SecurityPage(c);
    await security.open();
    const rows = c.page.getByTestId('authenticator-row');
    expect(await rows.allInnerTexts()).toEqual([expect.stringContaining('Authenticator app')]);

    // Add "Tablet": name, QR, a code of the new secret.
    await c.page.getByRole('button', { name: 'Add another authenticator app' }).click();
    await c.page.getByLabel('Name of the new authenticator').fill('Tablet');
    await c.page.getByRole('button', { name: 'Set up "Tablet"' }).click();
    await c.page.getByTestId('totp-qr').waitFor();
    const second = await c.page.getByTestId('totp-secret').innerText();
    await c.page.getByLabel('6-digit code').fill(totpNow(t, second));
    await c.page.getByRole('button', { name: 'Verify and enable' }).click();
    await c.page.getByText('2 authenticator apps').waitFor();
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).innerText()).toContain('Tablet');
    await c.screenshot('my-account-authenticators');

    // Sign out and in again with a code of the new one.
    t.clock.advance(STEP_MS);
    await c.close();
    c = await ConsolePage.open(chrome.browser, baseUrl);
    await c.signIn(user.email, TEST_PASSWORD);
    await c.enterCode(totpNow(t, second));
    await c.waitForHeading('Welcome, Two Apps');

    // Rename it, then remove the first with the password and a code of the second.
    const again = new SecurityPage(c);
    await again.open();
    const list = c.page.getByTestId('authenticator-row');
    await c.page.getByRole('button', { name: 'Rename Tablet' }).click();
    await c.page.getByLabel('New name').fill('Work tablet');
    await c.page.getByRole('button', { name: 'Save' }).click();
    await c.page.getByRole('button', { name: 'Remove "Work tablet"' }).waitFor();
    t.clock.advance(STEP_MS);
    await list.nth(0).getByRole('button', { name: 'Remove "Authenticator app"' }).click();
    const dialog = c.page.getByRole('dialog');
    await dialog.getByLabel('Password').fill(TEST_PASSWORD);
    await dialog.getByLabel('Code').fill(totpNow(t, second));
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    // Wait for the dialog to close and the removed app's row to go (the list reloads in place, so
    // the other row stays). Not for the removed app's button: while the dialog is open the page's
    // buttons are hidden from the accessibility tree, so such a wait would pass at once.
    await dialog.waitFor({ state: 'detached' });
    await list.filter({ hasText: 'Authenticator app' }).waitFor({ state: 'detached' });
    expect(await list.count()).toBe(1);
    expect(await list.first().innerText()).toContain('Work tablet');
  });
});
