import * as fs from 'node:fs';

import { DataExportParts, DataExportSink } from '@latchkey/core';

import { TEST_PASSWORD, createUser } from '../factories/users.factory';
import { unzip } from '../privacy/export-helpers';
import { TestApp, createTestApp } from '../setup/test-app';
import { ConsoleBrowser, ConsolePage, ensureConsoleBuilt, freePort, launchChromium } from './pages/console.page';
import { MyAccountPage, screenshotBoth } from './pages/my-account.page';
import { MailView, linksIn } from './pages/public-pages.page';

// A real browser against a real app on a machine that may be busy: a journey that fails is run
// once more, and its first failure is printed either way. One that fails twice fails the run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describe('Console: My account > Privacy > Export my data (Chromium against the real API)', () => {
  let t: TestApp;
  let chrome: ConsoleBrowser;
  let baseUrl: string;
  const open: ConsolePage[] = [];
  let attempts = 0;

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

  it('exports with a live progress bar, downloads a zip that opens and holds the profile, and the ready mail leads back to it', async () => {
    const user = await createUser(t, { displayName: 'Pia Privacy' });
    // Holds the export mid-way until the bar has been seen moving, so the journey does not race a fast machine.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // A part of its own for each attempt (a retried journey registers again on the same app).
    const area = `journey-pause-${++attempts}`;
    t.app.get(DataExportParts).register({
      area,
      tables: [],
      count: async () => 1,
      write: async (userId: string, sink: DataExportSink) => {
        if (userId === user.id) {
          await gate;
        }
        await sink.json(area, {});
      },
    });

    const c = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(c);
    await c.signInByApi(user.email, TEST_PASSWORD);
    await c.waitForHeading(/Welcome/);
    const me = new MyAccountPage(c);
    await me.open('privacy');
    const section = me.section('data-export');
    await section.getByRole('button', { name: 'Export my data' }).click();

    const bar = section.getByRole('progressbar', { name: 'Export progress' });
    await bar.waitFor();
    const values: number[] = [];
    // Reads the bar if it is there, without waiting: it goes when the export is ready, and a locator's
    // getAttribute would then wait out Playwright's whole timeout (20 s) for it to come back.
    const record = async () => {
      const [v] = await bar.evaluateAll((els) => els.map((el) => el.getAttribute('aria-valuenow')));
      if (v !== undefined && v !== null) {
        values.push(Number(v));
      }
    };
    await section.getByText(/Exporting .*%/).waitFor();
    await record();
    await screenshotBoth(c, 'my-account-privacy-export-running');
    expect(await section.getByRole('button', { name: 'Export my data' }).isDisabled()).toBe(true);
    release();

    const downloadButton = section.getByRole('link', { name: 'Download' });
    while (!(await downloadButton.isVisible())) {
      await record();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(values.length).toBeGreaterThan(0);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.some((v) => v > 0 && v < 100)).toBe(true);
    await screenshotBoth(c, 'my-account-privacy-export-ready');

    const [file] = await Promise.all([c.page.waitForEvent('download'), downloadButton.click()]);
    expect(file.suggestedFilename()).toMatch(/^latchkey-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = await unzip(fs.readFileSync(await file.path()));
    expect(JSON.parse(files['profile.json']!)).toMatchObject({ email: user.email, displayName: 'Pia Privacy' });
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['login-activity.json', 'audit-log.json', `${area}.json`]));

    // A second export the same day is refused with the reason.
    await section.getByRole('button', { name: 'Export my data' }).click();
    await section.getByText('You can export your data once every 24 hours.').waitFor();

    // The mail that says it is ready leads, on a browser that is not signed in, through the
    // sign-in page back to the Privacy tab, where the same file downloads.
    await t.settle();
    const ready = await t.mail.waitFor((m) => m.to.includes(user.email.toLowerCase()) && m.subject === 'Your data export is ready');
    for (const link of linksIn(ready)) {
      expect(link.startsWith(`${baseUrl}/admin/#/`)).toBe(true);
    }
    const elsewhere = await ConsolePage.open(chrome.browser, baseUrl);
    open.push(elsewhere);
    const href = await new MailView(elsewhere).click(ready, 'your privacy settings');
    expect(href).toBe(`${baseUrl}/admin/#/me/privacy`);
    await elsewhere.page.getByLabel('Email').waitFor();
    await elsewhere.submitSignIn(user.email, TEST_PASSWORD);
    const again = new MyAccountPage(elsewhere).section('data-export');
    const link = again.getByRole('link', { name: 'Download' });
    await link.waitFor();
    expect(elsewhere.page.url()).toBe(`${baseUrl}/admin/#/me/privacy`);
    const [second] = await Promise.all([elsewhere.page.waitForEvent('download'), link.click()]);
    const refetched = await unzip(fs.readFileSync(await second.path()));
    expect(JSON.parse(refetched['profile.json']!)).toMatchObject({ email: user.email });
  });
});
