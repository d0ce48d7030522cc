import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

import { DeletionSweep } from '@latchkey/accounts';
import { PNG } from 'pngjs';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { TEST_PASSWORD, createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { tokenFrom } from '../fakes/smtp-sink';
import { enrolTotp, totpNow } from '../mfa/mfa-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { TICKETS, createStaff, makeStaff, openTicket, ticketAwaitingApproval, ticketIdFor } from '../support/support-helpers';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, launchChromium, serveOnLoopback } from './pages/console.page';
import { InboxBell, MyAccountPage, OwnerPages, SupportDesk, screenshotBoth } from './pages/my-account.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const NEW_PASSWORD = 'saffron-kettle-nimbus-93';

function redPng(): Buffer {
  const png = new PNG({ width: 16, height: 16 });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data.set([200, 30, 40, 255], i);
  }
  return PNG.sync.write(png);
}

describe('Console self-service, owner and support journeys (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];

  const browse = async (viewport?: { width: number; height: number }) => {
    const c = await ConsolePage.open(chrome.browser, baseUrl, viewport);
    open.push(c);
    return c;
  };

  /** A browser signed in over the API (the sign-in page has its own journeys), on the dashboard. */
  const signedIn = async (email: string, password = TEST_PASSWORD, totpSecret?: string) => {
    const c = await browse();
    await c.signInByApi(email, password, totpSecret ? () => totpNow(t, totpSecret) : undefined);
    await c.waitForHeading(/Welcome/);
    return c;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    chrome = await launchChromium();
    t = await createTestApp({ env: { SERVICE_TOKEN, MFA_RESET_COOLDOWN_HOURS: '72' } });
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

  it('changing the password ends the other session, and says so', async () => {
    const user = await createUser(t, { displayName: 'Pat Password' });
    const elsewhere = await signedIn(user.email);
    const c = await signedIn(user.email);
    const me = new MyAccountPage(c);
    await me.open('security');
    await screenshotBoth(c, 'my-account-security');

    await me.changePassword('not-my-password-1', NEW_PASSWORD);
    await me.section('password').getByText('The current password is not right.').waitFor();
    await me.changePassword(TEST_PASSWORD, NEW_PASSWORD);
    expect(await c.page.getByTestId('password-changed').innerText()).toContain('Every other session was signed out');
    expect(await c.settledCount(c.page.getByTestId('session-row'), 1)).toBe(1);

    await elsewhere.goto('/me');
    await elsewhere.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await c.goto('/me/security');
    await c.page.getByTestId('mfa-status').waitFor();
    expect((await t.http().post('/api/v1/auth/login').send({ email: user.email, password: TEST_PASSWORD })).status).toBe(401);
    await signIn(t, user.email, NEW_PASSWORD);
  });

  it('an email change shows as pending, can be sent again, and cancelled', async () => {
    const user = await createUser(t, { displayName: 'Eli Email' });
    const c = await signedIn(user.email);
    const me = new MyAccountPage(c);
    await me.open('profile');
    const newEmail = uniqueEmail('eli-new');
    await me.requestEmailChange(newEmail, TEST_PASSWORD);
    await me.pendingEmail().waitFor();
    expect(await me.pendingEmail().innerText()).toContain(`we sent a link to ${newEmail}`);
    await t.settle();
    const first = tokenFrom(await t.mail.waitFor((m) => m.to.includes(newEmail)));
    await screenshotBoth(c, 'my-account-profile-email-pending');

    await me.pendingEmail().getByRole('button', { name: 'Resend the link' }).click();
    await c.page.getByText(`Link sent again to ${newEmail}`).waitFor();
    await t.settle();
    await t.mail.waitFor(() => t.mail.to(newEmail).length === 2);

    await me.pendingEmail().getByRole('button', { name: 'Cancel the change' }).click();
    await me.confirmDialog();
    await me.section('email').getByLabel('New email address').waitFor();
    expect(await me.pendingEmail().count()).toBe(0);
    const second = tokenFrom(t.mail.to(newEmail)[1]!);
    for (const token of [first, second]) {
      await t.http().post('/api/v1/me/email/confirm').send({ token }).expect(400);
    }
    await signIn(t, user.email);
  });

  it('an uploaded avatar appears in the app bar; compact mode applies at once', async () => {
    const user = await createUser(t, { displayName: 'Ava Avatar' });
    const c = await signedIn(user.email);
    const me = new MyAccountPage(c);
    await me.open('profile');
    expect(await me.appBarAvatar('Ava Avatar').count()).toBe(0);
    await me.uploadAvatar(redPng());
    const avatar = me.appBarAvatar('Ava Avatar');
    await avatar.waitFor();
    expect(await avatar.getAttribute('src')).toMatch(new RegExp(`/api/v1/users/${user.id}/avatar\\?v=1$`));
    // The image really loads from the API (naturalWidth is 0 for a broken image).
    const loadedWidth = () => avatar.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth);
    for (let i = 0; i < 50 && (await loadedWidth()) !== 16; i++) {
      await c.page.waitForTimeout(100);
    }
    expect(await loadedWidth()).toBe(16);

    expect(await c.page.locator('[data-density]').first().getAttribute('data-density')).toBe('comfortable');
    await c.page.getByLabel('Compact mode (denser layout, applies at once)').check();
    await c.page.locator('[data-density="compact"]').first().waitFor();
    await screenshotBoth(c, 'my-account-profile');
    const auth = (await signIn(t, user.email)).auth;
    for (let i = 0; ; i++) {
      const saved = (await t.http().get('/api/v1/me').set(auth).expect(200)).body.preferences.compactMode;
      if (saved === true || i === 40) {
        expect(saved).toBe(true);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('the inbox bell shows unread entries, then none once read', async () => {
    const user = await createUser(t, { displayName: 'Ines Inbox' });
    for (const title of ['Dark mode is here', 'Audit log in words']) {
      t.clock.advance(1000);
      await t
        .http()
        .post('/api/v1/events')
        .set({ Authorization: `Bearer ${SERVICE_TOKEN}` })
        .send({
          id: `evt-${randomBytes(6).toString('hex')}`,
          type: 'product.update',
          userId: user.id,
          data: { title, summary: `${title}: read more.` },
        })
        .expect(202);
    }
    // The entries reach the inbox through the outbox and the worker; the bell reads them when the page loads (then every 30 s).
    await t.settle();
    const c = await signedIn(user.email);
    const bell = new InboxBell(c);
    await bell.waitForUnread(2);
    const popover = await bell.open();
    await screenshotBoth(c, 'inbox-bell');
    await popover.getByTestId('inbox-item').filter({ hasText: 'Dark mode is here' }).click();
    await bell.waitForUnread(1);
    await popover.getByRole('button', { name: 'Mark all as read' }).click();
    await bell.waitForUnread(0);
    await popover.getByRole('button', { name: 'Open the inbox' }).click();
    await c.page.getByRole('tab', { name: 'Inbox', selected: true }).waitFor();
    const inbox = c.page.getByTestId('inbox');
    await inbox.getByTestId('inbox-item').first().waitFor();
    expect(await c.settledCount(inbox.locator('[data-testid="inbox-item"][data-unread="true"]'), 0)).toBe(0);
    expect(
      await inbox
        .getByTestId('inbox-item')
        .filter({ hasText: /Dark mode is here|Audit log in words/ })
        .allInnerTexts(),
    ).toEqual([expect.stringContaining('Audit log in words'), expect.stringContaining('Dark mode is here')]);
    await screenshotBoth(c, 'my-account-inbox');
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM notification_inbox WHERE user_id = $1 AND event = 'product.update' AND read_at IS NULL`,
      [user.id],
    );
    expect(n).toBe(0);
  });

  it('Discord is linked by its webhook, shown by its id only, and unlinked', async () => {
    const user = await createUser(t, { displayName: 'Dee Discord' });
    const c = await signedIn(user.email);
    const me = new MyAccountPage(c);
    await me.open('notifications');
    const discord = me.section('discord');
    await discord.getByLabel('Discord webhook URL').fill('https://discord.com/not-a-webhook');
    await discord.getByRole('button', { name: 'Link Discord' }).click();
    await discord.getByText('That is not a Discord webhook URL.').waitFor();
    const token = randomBytes(30).toString('base64url');
    await discord.getByLabel('Discord webhook URL').fill(`https://discord.com/api/webhooks/123456789012345678/${token}`);
    await discord.getByRole('button', { name: 'Link Discord' }).click();
    const linked = c.page.getByTestId('discord-linked');
    await linked.waitFor();
    expect(await linked.innerText()).toContain('webhook 123456789012345678');
    expect(await c.page.content()).not.toContain(token);
    await screenshotBoth(c, 'my-account-notifications');
    await linked.getByRole('button', { name: 'Unlink Discord' }).click();
    await me.confirmDialog();
    await discord.getByLabel('Discord webhook URL').waitFor();
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM notification_webhooks WHERE user_id = $1`, [user.id]);
    expect(n).toBe(0);
  });

  it('trusted devices show when they were last used; "forget all" brings the code step back', async () => {
    const user = await createUser(t, { displayName: 'Tru Device' });
    const session = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, session.auth);
    const c = await browse();
    await c.signIn(user.email, TEST_PASSWORD);
    await c.page.getByLabel('Code').waitFor();
    await c.enterCode(totpNow(t, secret), true);
    await c.waitForHeading(/Welcome/);
    await c.signIn(user.email, TEST_PASSWORD);
    await c.waitForHeading(/Welcome/);

    const me = new MyAccountPage(c);
    await me.open('security');
    expect(await c.settledCount(me.trustedDevices(), 1)).toBe(1);
    const row = await me.trustedDevices().first().innerText();
    expect(row).toMatch(/Chrome/);
    expect(row).not.toContain('never');
    await screenshotBoth(c, 'my-account-trusted-devices');

    await c.page.getByRole('button', { name: 'Forget all devices' }).click();
    await me.confirmDialog();
    await c.page.getByTestId('no-trusted-devices').waitFor();
    const list = await t.http().get('/api/v1/me/trusted-devices').set(session.auth).expect(200);
    expect(list.body).toEqual([]);

    await c.signIn(user.email, TEST_PASSWORD);
    await c.page.getByLabel('Code').waitFor();
  });

  it('backup codes can be downloaded and printed alone; resetting 2FA takes the password and a code', async () => {
    const user = await createUser(t, { displayName: 'Bea Backup' });
    const session = await signIn(t, user.email);
    const { secret } = await enrolTotp(t, session.auth);
    const c = await signedIn(user.email, TEST_PASSWORD, secret);
    const me = new MyAccountPage(c);
    await me.open('security');

    t.clock.advance(30_000);
    await c.page.getByRole('button', { name: 'Regenerate backup codes' }).click();
    const dialog = c.page.getByRole('dialog');
    await dialog.getByLabel('Password').fill(TEST_PASSWORD);
    await dialog.getByLabel('Code').fill(totpNow(t, secret));
    await dialog.getByRole('button', { name: 'Regenerate' }).click();
    const codes = (await c.page.getByTestId('backup-codes').innerText()).split(/\s+/).filter(Boolean);
    expect(codes).toHaveLength(10);
    await screenshotBoth(c, 'my-account-backup-codes');

    const [download] = await Promise.all([
      c.page.waitForEvent('download'),
      c.page.getByRole('button', { name: 'Download as .txt' }).click(),
    ]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    for (const code of codes) {
      expect(text).toContain(code);
    }

    // What the printer gets: the codes visible, the rest of the page hidden.
    await c.page.evaluate(`window.print = () => {
      const vis = (el) => (el ? getComputedStyle(el).visibility : 'missing');
      window.__printed = { codes: vis(document.querySelector('[data-testid="backup-codes"]')), rest: vis(document.getElementById('trusted-devices')) };
    }`);
    await c.page.emulateMedia({ media: 'print' });
    await c.page.getByRole('button', { name: 'Print' }).click();
    expect(await c.page.evaluate('window.__printed')).toEqual({ codes: 'visible', rest: 'hidden' });
    await c.page.emulateMedia({ media: 'screen' });

    t.clock.advance(30_000);
    await c.page.getByRole('button', { name: 'Reset two-factor authentication' }).click();
    await dialog.getByLabel('Password').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: 'Reset 2FA' }).click();
    await dialog.getByText(/code.*is required|required because two-factor/i).waitFor();
    await dialog.getByLabel('Code').fill(totpNow(t, secret));
    await dialog.getByRole('button', { name: 'Reset 2FA' }).click();
    await c.page.getByTestId('mfa-status').getByText('2FA is off').waitFor();
    expect((await t.http().get('/api/v1/me/mfa').set(session.auth).expect(200)).body).toMatchObject({ enabled: false, totp: false });
  });

  it('deleting my account is refused while I am the sole owner, then scheduled once ownership moved', async () => {
    const team = await createAccountWithTeam(t, 'Sole Owner Co');
    const c = await signedIn(team.owner.email);
    const me = new MyAccountPage(c);
    await me.open('privacy');
    expect(await me.section('delete-account').innerText()).toContain('only owner');
    await me.deleteAccount(TEST_PASSWORD);
    const refusal = c.page.getByTestId('sole-owner');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('Sole Owner Co');
    await screenshotBoth(c, 'my-account-delete-refused');

    await refusal.getByRole('button', { name: 'Transfer ownership of Sole Owner Co' }).click();
    await c.waitForHeading('Transfer ownership of Sole Owner Co');
    await new OwnerPages(c).transferOwnership(team.admin.email, TEST_PASSWORD);
    await c.page.getByText(/now owns Sole Owner Co/).waitFor();

    await me.open('privacy');
    await me.deleteAccount(TEST_PASSWORD);
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    // Scheduled, not gone: the grace period lets them sign in (and cancel); the sweep erases them after it.
    const during = await t.http().post('/api/v1/auth/login').send({ email: team.owner.email, password: TEST_PASSWORD }).expect(200);
    expect(during.body.user.deletionScheduledFor).toEqual(expect.any(String));
    t.clock.advance(14 * 24 * 3600_000 + 60_000);
    try {
      await t.app.get(DeletionSweep).eraseDue();
    } finally {
      t.clock.reset();
    }
    expect((await t.http().post('/api/v1/auth/login').send({ email: team.owner.email, password: TEST_PASSWORD })).status).toBe(401);
    const [{ role }] = await t.dataSource.query(`SELECT role FROM memberships WHERE account_id = $1 AND user_id = $2`, [
      team.accountId,
      team.admin.id,
    ]);
    expect(role).toBe('owner');
  });

  it('an owner changes a role and removes a member', async () => {
    const team = await createAccountWithTeam(t, 'Roles Inc');
    const c = await signedIn(team.owner.email);
    const owner = new OwnerPages(c);
    await owner.openMembers();
    await c.page.getByLabel(`Role of ${team.member.email}`).click();
    await c.page.getByRole('option', { name: 'Admin' }).click();
    await c.page.getByText(`${team.member.email} is now admin`).waitFor();
    await screenshotBoth(c, 'members-owner-actions');

    await owner.memberRow(team.viewer.email).getByRole('button', { name: 'Remove' }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await owner.memberRow(team.viewer.email).waitFor({ state: 'detached' });
    const rows: Array<{ user_id: string; role: string }> = await t.dataSource.query(
      `SELECT user_id, role FROM memberships WHERE account_id = $1`,
      [team.accountId],
    );
    expect(rows.find((r) => r.user_id === team.member.id)?.role).toBe('admin');
    expect(rows.find((r) => r.user_id === team.viewer.id)).toBeUndefined();
  });

  it('transferring ownership asks for the password and a current code', async () => {
    const team = await createAccountWithTeam(t, 'Handover Ltd');
    const { secret } = await enrolTotp(t, team.owner.session.auth);
    const c = await signedIn(team.owner.email, TEST_PASSWORD, secret);
    const owner = new OwnerPages(c);
    await owner.openMembers();
    await c.page.getByRole('link', { name: 'Transfer ownership' }).click();
    await c.waitForHeading('Transfer ownership of Handover Ltd');
    await screenshotBoth(c, 'transfer-ownership');

    t.clock.advance(30_000);
    await owner.transferOwnership(team.member.email, TEST_PASSWORD, '000000');
    await c.page.getByText('That code is not right.').waitFor();
    await c.page.getByLabel(/Code from your authenticator/).fill(totpNow(t, secret));
    await c.page.getByRole('button', { name: 'Transfer ownership' }).click();
    await c.page.getByText(/now owns Handover Ltd; you are an admin/).waitFor();
    await owner.memberRow(team.member.email).waitFor();
    await c.page.getByRole('link', { name: 'Transfer ownership' }).waitFor({ state: 'detached' });
    const rows: Array<{ user_id: string; role: string }> = await t.dataSource.query(
      `SELECT user_id, role FROM memberships WHERE account_id = $1`,
      [team.accountId],
    );
    expect(rows.find((r) => r.user_id === team.member.id)?.role).toBe('owner');
    expect(rows.find((r) => r.user_id === team.owner.id)?.role).toBe('admin');
  });

  it('an admin sends an invitation again: a fresh link, the old one dead', async () => {
    const team = await createAccountWithTeam(t, 'Invites Co');
    const invitee = uniqueEmail('invitee');
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.admin.session.auth)
      .send({ email: invitee, role: 'member' })
      .expect(201);
    await t.settle();
    const first = await t.mail.waitFor((m) => m.to.includes(invitee));
    const c = await signedIn(team.admin.email);
    await c.goto('/invitations');
    const row = c.page.locator('table tbody tr', { hasText: invitee });
    await row.waitFor();
    await screenshotBoth(c, 'invitations');
    await row.getByRole('button', { name: 'Resend' }).click();
    await c.page.getByText(`Invitation sent again to ${invitee}`).waitFor();
    await t.settle();
    await t.mail.waitFor(() => t.mail.to(invitee).length === 2);
    const second = t.mail.to(invitee)[1]!;
    const tokenOf = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)![1]!;
    expect(tokenOf(second.text)).not.toBe(tokenOf(first.text));
    const dead = await t
      .http()
      .post(`/api/v1/invitations/${tokenOf(first.text)}/accept`)
      .send({ password: 'lilac-harbor-comet-31', displayName: 'In Vitee' });
    expect(dead.status).toBeGreaterThanOrEqual(400);
    expect(dead.status).toBeLessThan(500);
  });

  it('the audit log and the dashboard read in words, naming who did what to whom', async () => {
    const team = await createAccountWithTeam(t, 'Words Ltd');
    const auth = team.owner.session.auth;
    await t.http().patch(`/api/v1/accounts/${team.accountId}/members/${team.member.id}`).set(auth).send({ role: 'admin' }).expect(200);
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(auth)
      .send({ email: 'wendy@words.example', role: 'viewer' })
      .expect(201);
    await t.http().delete(`/api/v1/accounts/${team.accountId}/members/${team.viewer.id}`).set(auth).expect(204);
    await t.http().post(`/api/v1/accounts/${team.accountId}/members/${team.admin.id}/password-reset`).set(auth).expect(202);

    const c = await signedIn(team.owner.email);
    await c.page.getByTestId('dashboard-event').first().waitFor();
    await screenshotBoth(c, 'dashboard-events-in-words');
    const events = await c.page.getByTestId('dashboard-event').allInnerTexts();
    expect(events.join('\n')).toContain(`The owner (${team.owner.email}) sent The admin (${team.admin.email}) a password-reset email.`);
    const sentences = await new OwnerPages(c).auditSentences();
    expect(sentences).toEqual(
      expect.arrayContaining([
        `The owner (${team.owner.email}) changed the role of The member (${team.member.email}) from member to admin.`,
        `The owner (${team.owner.email}) invited wendy@words.example as viewer.`,
        `The owner (${team.owner.email}) removed The viewer (${team.viewer.email}) (viewer) from the account.`,
        `The owner (${team.owner.email}) created the account "Words Ltd".`,
      ]),
    );
    expect(await c.page.locator('table tbody').innerText()).not.toMatch(/\b(member|invitation|account)\.[a-z_]+\b/);
    await screenshotBoth(c, 'audit-log');
  });

  it('a staff member without 2FA is told to set it up before working the queue', async () => {
    const bare = await createUser(t, { staffRole: 'support', displayName: 'Agent Bare' });
    const c = await signedIn(bare.email);
    await c.goto('/tickets');
    const notice = c.page.getByTestId('staff-2fa-required');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Staff must use two-factor authentication');
    await notice.getByRole('link', { name: 'Set up 2FA' }).click();
    await c.page.waitForURL(/#\/me\/security/);
  });

  it('support finds a ticket by email and by its reference', async () => {
    const agent = await makeStaff(t, 'support', { displayName: 'Agent Quinn' });
    const robin = await createUser(t);
    const sam = await createUser(t);
    for (const u of [robin, sam]) {
      const token = await openTicket(t, u.email);
      await t.http().post(`${TICKETS}/confirm`).send({ token }).expect(204);
    }
    const samTicket = await ticketIdFor(t, sam.email);

    const c = await signedIn(agent.email, TEST_PASSWORD, agent.totpSecret);
    await c.goto('/tickets');
    const desk = new SupportDesk(c);
    await desk.queueRows().first().waitFor();
    await desk.search(robin.email);
    await desk.queueRows().filter({ hasText: sam.email }).waitFor({ state: 'detached' });
    expect(await desk.queueRows().allInnerTexts()).toEqual([expect.stringContaining(robin.email)]);
    await screenshotBoth(c, 'support-queue-search');

    const [{ reference }] = await t.dataSource.query(`SELECT reference FROM support_tickets WHERE id = $1`, [samTicket]);
    await desk.search(reference);
    await desk.queueRows().filter({ hasText: robin.email }).waitFor({ state: 'detached' });
    expect(await desk.queueRows().allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`${reference}[\\s\\S]*${sam.email.replace(/[.]/g, '\\.')}`)),
    ]);
  });

  it('the ticket page names each staff member, shows recent sign-ins and memberships, and keeps Execute disabled during the cool-down', async () => {
    const staff = await createStaff(t);
    const team = await createAccountWithTeam(t, 'Lost Phone Ltd');
    await enrolTotp(t, team.member.session.auth);
    const id = await ticketAwaitingApproval(t, team.member.email, staff.agent);
    await t
      .http()
      .post(`${TICKETS}/${id}/approve`)
      .set(staff.lead.auth)
      .send({ reason: 'Checks agree', ...staff.lead.proof() })
      .expect(200);
    const agent2 = await makeStaff(t, 'support', { displayName: 'Agent Uma' });

    const c = await browse();
    await c.page.clock.install({ time: t.clock.nowMs() });
    await c.signInByApi(agent2.email, TEST_PASSWORD, () => totpNow(t, agent2.totpSecret));
    await c.waitForHeading(/Welcome/);
    await c.goto(`/tickets/${id}/show`);
    await c.page.getByRole('heading', { name: 'Verification checklist' }).waitFor();

    const names = await c.page.getByTestId('ticket-staff').innerText();
    expect(names).toMatch(/Verified by Staff support \(.+@example\.com\)/);
    expect(names).toMatch(/Approved by Staff support_lead \(.+@example\.com\)/);
    const checks = await c.page.getByTestId('ticket-check').allInnerTexts();
    expect(checks).toEqual(
      expect.arrayContaining([
        expect.stringContaining('by the emailed link'),
        expect.stringMatching(/government id: .*by Staff support \(/),
      ]),
    );
    const trail = (await c.page.getByTestId('trail-event').allInnerTexts()).join('\n');
    expect(trail).toMatch(/awaiting approval → approved|awaiting_approval → approved/);
    expect(trail).toMatch(/by Staff support_lead \(.+\) \(staff\)/);
    expect(trail).toContain(`by The member (${team.member.email})`);

    await c.page.getByTestId('recent-sign-ins').getByRole('listitem').first().waitFor();
    expect(await c.page.getByTestId('recent-sign-ins').innerText()).toContain('success');
    expect(await c.page.getByTestId('memberships').innerText()).toContain('Lost Phone Ltd: member');

    const execute = new SupportDesk(c).executeButton();
    expect(await execute.isDisabled()).toBe(true);
    expect(await execute.textContent()).toMatch(/^Execute \(in 7[012]:\d\d:\d\d\)$/);
    expect(await c.page.getByTestId('cooldown').innerText()).toMatch(/Cool-down: 7[012]:\d\d:\d\d left/);
    await screenshotBoth(c, 'support-ticket-names');

    await c.page.clock.fastForward(72 * 3600_000);
    await c.page.getByText('Cool-down over: the reset can be executed.').waitFor();
    expect(await execute.isEnabled()).toBe(true);
    expect(await execute.textContent()).toBe('Execute');
  });

  it('an admin and a support agent send a password-reset mail; it arrives at the user only', async () => {
    const team = await createAccountWithTeam(t, 'Resets Ltd');
    const c = await signedIn(team.admin.email);
    const owner = new OwnerPages(c);
    await owner.openMembers();
    expect(await owner.memberRow(team.owner.email).getByRole('button', { name: 'Reset password' }).count()).toBe(0);
    await owner.memberRow(team.member.email).getByRole('button', { name: 'Reset password' }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await c.page.getByText(`A password-reset link was emailed to ${team.member.email}`).waitFor();
    await t.settle();
    const mail = await t.mail.waitFor((m) => m.to.includes(team.member.email) && /Reset your password/.test(m.subject));
    expect(mail.text).toContain('/admin/#/reset-password?token=');
    expect(t.mail.to(team.admin.email).filter((m) => /Reset your password/.test(m.subject))).toHaveLength(0);

    const agent = await makeStaff(t, 'support', { displayName: 'Agent Reset' });
    const desk = await signedIn(agent.email, TEST_PASSWORD, agent.totpSecret);
    await desk.goto('/staff-users');
    await desk.filterList('Email or name', team.viewer.email);
    await desk.page.locator('table tbody tr', { hasText: team.viewer.email }).click();
    await desk.page.getByRole('button', { name: 'Send password reset' }).click();
    await screenshotBoth(desk, 'support-user-password-reset');
    await desk.page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await desk.page.getByText(`A password-reset link was emailed to ${team.viewer.email}`).waitFor();
    await t.settle();
    await t.mail.waitFor((m) => m.to.includes(team.viewer.email) && /Reset your password/.test(m.subject));
  });
});
