import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Browser, BrowserContext, Page, chromium } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');
export const SHOTS = path.join(ROOT, 'test-output/console');

function newestMtime(dir: string): number {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .reduce(
      (max, e) => Math.max(max, e.isDirectory() ? newestMtime(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs),
      0,
    );
}

/** Builds admin-ui/dist when it is missing or older than the sources. */
export function ensureConsoleBuilt(): void {
  const index = path.join(ROOT, 'admin-ui/dist/index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtime(path.join(ROOT, 'admin-ui/src'))) {
    return;
  }
  execFileSync('npm', ['run', 'build:admin'], { cwd: ROOT, stdio: 'ignore' });
}

export interface ConsoleBrowser {
  browser: Browser;
  userDataDir: string;
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, with no background traffic. Playwright refuses `--user-data-dir`
 * for launch() and passes its own fresh temporary profile; every journey gets a new context.
 */
export async function launchChromium(): Promise<ConsoleBrowser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-chromium-'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    downloadsPath: userDataDir,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  fs.mkdirSync(SHOTS, { recursive: true });
  return {
    browser,
    userDataDir,
    close: async () => {
      await browser.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The console as a user sees it: sign-in, navigation and the main pages. */
export class ConsolePage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  static async open(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 900 }): Promise<ConsolePage> {
    const context: BrowserContext = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    return new ConsolePage(page, baseUrl);
  }

  async goto(route: string): Promise<void> {
    const url = `${this.baseUrl}/admin/#${route}`;
    // A hash-only navigation to the current address would not reload the page's data.
    await (this.page.url() === url ? this.page.reload() : this.page.goto(url));
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.goto('/login');
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async enterCode(code: string, trustDevice = false): Promise<void> {
    await this.page.getByLabel('Code').fill(code);
    if (trustDevice) {
      await this.page.getByLabel('Trust this device for 30 days').check();
    }
    await this.page.getByRole('button', { name: 'Verify' }).click();
  }

  /** The names in the side menu. */
  async menuItems(): Promise<string[]> {
    const items = this.page.locator('.RaSidebar-fixed').getByRole('menuitem');
    await items.first().waitFor();
    await this.page.getByRole('menuitem', { name: 'My account' }).waitFor();
    return (await items.allInnerTexts()).map((s) => s.trim());
  }

  async waitForHeading(text: string | RegExp): Promise<void> {
    await this.page.getByRole('heading', { name: text }).first().waitFor();
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

export class MembersPage {
  constructor(private readonly c: ConsolePage) {}

  async open(): Promise<void> {
    await this.c.goto('/members');
    await this.c.page.locator('table tbody tr').first().waitFor();
  }

  row(email: string) {
    return this.c.page.locator('table tbody tr', { hasText: email });
  }

  columnHeaders() {
    return this.c.page.locator('table thead th').allInnerTexts();
  }

  async exportCsv(): Promise<string> {
    const [download] = await Promise.all([
      this.c.page.waitForEvent('download'),
      this.c.page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const file = await download.path();
    return fs.readFileSync(file, 'utf8');
  }
}

export class SettingsPage {
  constructor(private readonly c: ConsolePage) {}

  async open(): Promise<void> {
    await this.c.goto('/settings');
    await this.c.page.getByLabel('Account name').waitFor();
  }

  async requireTwoFactor(): Promise<string> {
    await this.c.page.getByLabel('Require two-factor authentication for every member').check();
    await this.c.page.getByRole('button', { name: 'Save' }).click();
    const count = await this.c.page.getByTestId('noncompliant-count').innerText();
    await this.c.page.getByRole('button', { name: 'Require 2FA' }).click();
    return count;
  }
}

export class SecurityPage {
  constructor(private readonly c: ConsolePage) {}

  async open(): Promise<void> {
    await this.c.goto('/me');
    await this.c.page.getByRole('tab', { name: 'Security' }).click();
    await this.c.page.getByTestId('mfa-status').waitFor();
  }

  async startTotp(): Promise<string> {
    await this.c.page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await this.c.page.getByTestId('totp-qr').waitFor();
    return this.c.page.getByTestId('totp-secret').innerText();
  }

  async confirmTotp(code: string): Promise<string[]> {
    await this.c.page.getByLabel('6-digit code').fill(code);
    await this.c.page.getByRole('button', { name: 'Verify and enable' }).click();
    const text = await this.c.page.getByTestId('backup-codes').innerText();
    return text.split(/\s+/).filter(Boolean);
  }
}

export class TicketPage {
  constructor(private readonly c: ConsolePage) {}

  async open(id: string): Promise<void> {
    await this.c.goto(`/tickets/${id}/show`);
    await this.c.page.getByRole('heading', { name: 'Verification checklist' }).waitFor();
  }

  async state(): Promise<string> {
    return this.c.page.getByTestId('ticket-state').first().innerText();
  }

  async recordChecks(checks: Record<string, string>): Promise<void> {
    for (const [label, note] of Object.entries(checks)) {
      await this.c.page.getByLabel(label, { exact: true }).check();
      await this.c.page.getByLabel(`Note: ${label}`).fill(note);
    }
    await this.c.page.getByRole('button', { name: 'Record checks' }).click();
  }

  async decide(action: 'Approve' | 'Reject', reason: string): Promise<void> {
    await this.c.page.getByRole('button', { name: action, exact: true }).click();
    const dialog = this.c.page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill(reason);
    await dialog.getByRole('button', { name: action, exact: true }).click();
  }

  async execute(): Promise<void> {
    await this.c.page.getByRole('button', { name: 'Execute', exact: true }).click();
    await this.c.page.getByRole('dialog').getByRole('button', { name: 'Execute now' }).click();
  }
}
