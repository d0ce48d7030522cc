import { CDPSession } from 'playwright-core';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser } from '../factories/users.factory';
import { enrolTotp } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, freePort, launchChromium } from './pages/console.page';
import { MyAccountPage } from './pages/my-account.page';
import { MailView } from './pages/public-pages.page';

jest.retryTimes(1, { logErrorsBeforeRetry: true });

/**
 * Passkeys in Chromium with a virtual authenticator (the Chrome DevTools Protocol's WebAuthn
 * domain: a CTAP2 platform authenticator that keeps discoverable credentials and verifies the
 * user). WebAuthn needs a secure context and an RP id the page's host matches, so the console is
 * opened at http://localhost:<port> with PUBLIC_URL the same: the RP id is "localhost".
 */
describe('Console passkeys: add one, sign in with password + passkey and with the passkey alone, remove it; a require-2FA account satisfied by a passkey', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
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

  async function withAuthenticator(): Promise<{ c: ConsolePage; cdp: CDPSession; authenticatorId: string }> {
    const c = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(c);
    const cdp = await c.page.context().newCDPSession(c.page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { c, cdp, authenticatorId };
  }

  /** Signing out as a person would, without losing the tab (the virtual authenticator lives in it). */
  async function signOut(c: ConsolePage) {
    await c.page.context().clearCookies();
    await c.page.goto(`${baseUrl}/admin/#/login`);
    await c.page.getByLabel('Password').waitFor({ timeout: 5000 });
  }

  it('registers a passkey, then signs in with password + passkey and with the passkey alone, then removes it', async () => {
    const user = await createUser(t, { displayName: 'Kim Passkey' });
    const { c, cdp, authenticatorId } = await withAuthenticator();
    // Signed in with the password over the API; the page's sign-ins below are the journey's subject.
    await c.signInByApi(user.email, user.password);
    await c.waitForHeading(/Welcome/);

    const me = new MyAccountPage(c);
    await me.open('security');
    const passkeys = me.section('passkeys');
    await passkeys.getByTestId('no-passkeys').waitFor();
    await passkeys.getByLabel('Passkey name').fill('Work laptop');
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await passkeys.getByTestId('passkey').filter({ hasText: 'Work laptop' }).waitFor();
    await c.page
      .getByText(/backup codes/i)
      .first()
      .waitFor();
    await me.section('mfa-status').getByText('1 passkey').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    const [row] = await t.dataSource.query(`SELECT credential_id, name FROM mfa_factors WHERE user_id = $1 AND kind = 'passkey'`, [
      user.id,
    ]);
    expect(row).toEqual({
      credential_id: credentials[0].credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
      name: 'Work laptop',
    });
    await c.screenshot('passkeys-security');

    // The "passkey added" mail, opened in this signed-in browser, leads to the page where it can be removed.
    await t.settle();
    const added = await t.mail.waitFor(
      (m) => m.to.includes(user.email.toLowerCase()) && m.subject === 'A passkey was added to your account',
    );
    const href = await new MailView(c).click(added, 'your security settings');
    expect(href).toBe(`${baseUrl}/admin/#/me/security`);
    await passkeys.getByTestId('passkey').filter({ hasText: 'Work laptop' }).getByRole('button', { name: 'Remove' }).waitFor();

    // Password, then the passkey as the second factor. No touch is simulated until the step asks
    // for it, so the passkey the email field offers (autofill) is not taken meanwhile.
    const presence = (enabled: boolean) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    await presence(false);
    await signOut(c);
    await c.page.getByLabel('Email').fill(user.email);
    await c.page.getByLabel('Password').fill(user.password);
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const usePasskey = c.page.getByRole('button', { name: 'Use your passkey' });
    await usePasskey.waitFor();
    await presence(true);
    await usePasskey.click();
    await c.waitForHeading(/Welcome/);

    // The passkey alone, from the email field's autofill (conditional mediation): the virtual
    // authenticator answers the pending request as a person picking the suggested passkey would.
    await signOut(c).catch(() => undefined);
    await c.waitForHeading(/Welcome/);
    await c.screenshot('passkeys-signed-in-by-autofill');
    const activity: Array<{ outcome: string; reason: string }> = await t.dataSource.query(
      `SELECT outcome, reason FROM login_activity WHERE user_id = $1 AND outcome = 'success' ORDER BY occurred_at`,
      [user.id],
    );
    expect(activity.map((a) => a.reason)).toEqual(['password', 'passkey', 'passkey']);
    const [used] = await t.dataSource.query(`SELECT sign_count, last_used_at FROM mfa_factors WHERE user_id = $1 AND kind = 'passkey'`, [
      user.id,
    ]);
    expect(Number(used.sign_count)).toBeGreaterThanOrEqual(2);

    // Removed (the sign-in just now is recent enough to count as reauth).
    await me.open('security');
    await passkeys.getByTestId('passkey').filter({ hasText: 'Work laptop' }).getByRole('button', { name: 'Remove' }).click();
    await me.confirmDialog();
    await passkeys.getByTestId('no-passkeys').waitFor();
    await me.section('mfa-status').getByText('2FA is off').waitFor();
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(user.email) && /passkey was removed/.test(m.subject));
  });

  it('a member of an account that requires 2FA sets up a passkey in the walk-through and is let in with it alone', async () => {
    const team = await createAccountWithTeam(t, 'Strict Co');
    // The owner must have 2FA to require it.
    await enrolTotp(t, team.owner.session.auth);
    await t.http().patch(`/api/v1/accounts/${team.accountId}`).set(team.owner.session.auth).send({ require2fa: true }).expect(200);
    const { c } = await withAuthenticator();
    await c.signIn(team.member.email, team.member.password);
    await c.waitForHeading('Set up two-factor authentication');
    await c.page.getByLabel('Passkey name').fill('Phone');
    await c.page.getByRole('button', { name: 'Add a passkey' }).click();
    await c.page.getByRole('button', { name: 'Continue' }).click();
    await c.waitForHeading(/Welcome/);

    const factors: Array<{ kind: string }> = await t.dataSource.query(
      `SELECT kind FROM mfa_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL`,
      [team.member.id],
    );
    expect(factors.map((f) => f.kind)).toEqual(['passkey']);
    const members = await t
      .http()
      .get(`/api/v1/accounts/${team.accountId}/members`)
      .query({ mfa: 'none' })
      .set(team.owner.session.auth)
      .expect(200);
    expect(members.body.items.map((m: { userId: string }) => m.userId)).not.toContain(team.member.id);
  });
});
