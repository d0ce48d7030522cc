import { createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, freePort, launchChromium } from './pages/console.page';
import { MyAccountPage, screenshotBoth } from './pages/my-account.page';
import { MailView } from './pages/public-pages.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

/** A call from the page with the key only (no cookie), as a script would make it. */
async function callWithKey(
  c: ConsolePage,
  secret: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return c.page.evaluate(
    async ({ secret, method, body }) => {
      const res = await fetch('/api/v1/me', {
        method,
        credentials: 'omit',
        headers: { Authorization: `Bearer ${secret}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    { secret, method, body },
  );
}

describe('Console: API keys (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
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

  const signedIn = async (email: string) => {
    const c = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(c);
    await c.signInByApi(email, TEST_PASSWORD);
    await c.waitForHeading(/Welcome/);
    return c;
  };

  it('creates a key in My account, shows it once, the key works with fetch, and revoking it stops it', async () => {
    const team = await createAccountWithTeam(t, 'Keys Journey');
    const c = await signedIn(team.member.email);
    const me = new MyAccountPage(c);
    await me.open('api-keys');
    await me.section('api-keys').getByText('No API keys.').waitFor();

    const form = me.section('api-key-create');
    await form.getByLabel('Name').fill('Nightly report');
    await form.getByLabel('Current password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Create key' }).click();

    const dialog = c.page.getByRole('dialog');
    const secretField = dialog.getByTestId('api-key-secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^lk_pat_[A-Za-z0-9_-]{43}$/);
    await screenshotBoth(c, 'my-account-api-keys-created');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The mail that says a key was made leads back to the list where it can be revoked.
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.member.email.toLowerCase()) && /API key/.test(m.subject));
    expect(await new MailView(c).click(mail, 'your API keys')).toBe(`${baseUrl}/admin/#/me/api-keys`);

    // Shown once: the list has its prefix only, and a reload never brings the secret back.
    const row = me.section('api-keys').getByTestId('api-key-row').filter({ hasText: 'Nightly report' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(secret.slice(0, 11));
    await me.open('api-keys');
    await row.waitFor();
    expect(await c.page.content()).not.toContain(secret.slice(11));

    const ok = await callWithKey(c, secret);
    expect(ok).toMatchObject({ status: 200, body: { id: team.member.id } });
    const write = await callWithKey(c, secret, 'PATCH', { displayName: 'Changed by a read key' });
    expect(write).toMatchObject({ status: 403, body: { code: 'API_KEY_SCOPE_MISSING' } });

    await me.open('api-keys');
    await row.getByText(/ from /).waitFor();
    await screenshotBoth(c, 'my-account-api-keys');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await row.getByTestId('api-key-status').filter({ hasText: 'revoked' }).waitFor();
    const refused = await callWithKey(c, secret);
    expect(refused).toMatchObject({ status: 401, body: { code: 'API_KEY_INVALID' } });
  });

  it("an owner sees the keys bound to the account and revokes a member's key", async () => {
    const team = await createAccountWithTeam(t, 'Owner Keys');
    const created = await t
      .http()
      .post('/api/v1/me/api-keys')
      .set(team.admin.session.auth)
      .send({ name: 'Admin sync', scopes: ['read'], accountId: team.accountId, roleCap: 'member', password: TEST_PASSWORD })
      .expect(201);
    const c = await signedIn(team.owner.email);
    expect(await c.menuItems()).toContain('API keys');
    await c.goto('/api-keys');
    const row = c.page.getByTestId('api-key-row').filter({ hasText: 'Admin sync' });
    await row.getByText(team.admin.email).waitFor();
    await row.getByText(/up to member/).waitFor();
    await screenshotBoth(c, 'account-api-keys');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await row.getByTestId('api-key-status').filter({ hasText: 'revoked' }).waitFor();
    await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}`)
      .set({ Authorization: `Bearer ${created.body.secret}` })
      .expect(401);
  });
});
