import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { Browser, BrowserContext, Locator, Page, chromium } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');
export const SHOTS = path.join(ROOT, 'test-output/console');
/**
 * Screenshots of the pages (desktop and phone widths) for people to look at, written to SHOTS only
 * with CONSOLE_SCREENSHOTS=1 (CI's PostgreSQL run sets it). Nothing asserts on them, and the ~120
 * full-page captures with their viewport changes cost Chromium about 15 % of a journey's CPU.
 */
export const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';

/**
 * The console must be built before a journey. The global setup builds it when the run may include
 * the journeys; a run it could not tell (a path filter naming one journey file only) builds here.
 */
export { ensureConsoleBuilt } from '../../setup/console-build';

/** Whether nothing listens on this loopback port now. */
async function canListen(port: number): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!bound) {
    return undefined;
  }
  const { port: got } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return got;
}

/**
 * A free loopback port, for journeys whose app must know its own address before it listens
 * (PUBLIC_URL is that address, so the links in its mails are followed exactly as mailed).
 * Picked below the kernel's ephemeral range: between this check and the app's listen (seconds on
 * a busy machine) an outgoing connection or another listener on port 0 could otherwise take it
 * (seen once under stress-ng: EADDRINUSE). Only another pick like this one can, about 1 in 10,000.
 */
export async function freePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // Not Linux: the usual default.
  }
  const from = Math.max(1024, low - 12_000);
  for (let attempt = 0; attempt < 50 && from < low; attempt++) {
    const port = await canListen(from + Math.floor(Math.random() * (low - from)));
    if (port) {
      return port;
    }
  }
  return (await canListen(0))!;
}

/** Serves the app (API and console) on a loopback port the system picks; answers its base URL. */
export async function serveOnLoopback(app: {
  listen(port: number, host: string): Promise<unknown>;
  getHttpServer(): { address(): unknown };
}): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

export interface ConsoleBrowser {
  browser: Browser;
  userDataDir: string;
  close(): Promise<void>;
}

// Chromium's headless shell first: the journeys need no browser window, and the full browser in
// headless mode spent about a fifth more CPU on the same journeys (self-service 82 -> 65 CPU-s,
// emailed-flows + console 117 -> 89, whole machine, 2 cores).
const BROWSER_CANDIDATES = [
  '/usr/bin/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
const HOW_TO =
  'Console journeys need Chromium or Chrome: install one (Debian: apt-get install chromium-headless-shell, or chromium) or set CHROMIUM_PATH.';

function findBrowser(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!fs.existsSync(given)) {
      throw new Error(`CHROMIUM_PATH=${given} does not exist. ${HOW_TO}`);
    }
    return given;
  }
  return BROWSER_CANDIDATES.find((p) => fs.existsSync(p));
}

/**
 * A browser for the journeys, found where Chromium and Chrome usually live. On Debian or Ubuntu
 * as root a missing one is installed from the distribution (once, under a lock, since test files
 * run in parallel); anywhere else the run stops with one line saying how. Never skipped.
 */
export function ensureBrowser(): string {
  const found = findBrowser();
  if (found) {
    return found;
  }
  const canInstall = fs.existsSync('/etc/debian_version') && process.getuid?.() === 0;
  if (!canInstall) {
    throw new Error(HOW_TO);
  }
  const lock = path.join(os.tmpdir(), 'latchkey-chromium-install.lock');
  let fd: number | undefined;
  const deadline = Date.now() + 10 * 60_000;
  while (fd === undefined) {
    try {
      fd = fs.openSync(lock, 'wx');
    } catch {
      if (findBrowser()) {
        return findBrowser()!;
      }
      if (Date.now() > deadline) {
        throw new Error(`Waited 10 minutes for another test process to install Chromium. ${HOW_TO}`);
      }
      execFileSync('sleep', ['2']);
    }
  }
  try {
    if (!findBrowser()) {
      process.stderr.write(
        "Console journeys: Chromium is missing; installing Debian's chromium-headless-shell package (about a minute)...\n",
      );
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
      try {
        execFileSync('apt-get', ['install', '-y', '-qq', 'chromium-headless-shell'], { stdio: 'ignore', env });
      } catch {
        // Distributions without the headless shell (Ubuntu) have the full browser.
        execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', env });
      }
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
  const installed = findBrowser();
  if (!installed) {
    throw new Error(`apt-get install chromium finished but no browser was found. ${HOW_TO}`);
  }
  return installed;
}

/**
 * Chromium, headless, with no background traffic. Playwright refuses `--user-data-dir`
 * for launch() and passes its own fresh temporary profile; every journey gets a new or wiped
 * context (ConsolePage.open).
 */
/** Chromium for the journeys; `extraArgs` e.g. maps a public host name to a loopback balancer. */
export async function launchChromium(extraArgs: string[] = []): Promise<ConsoleBrowser> {
  const executablePath = ensureBrowser();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-chromium-'));
  const browser = await chromium.launch({
    executablePath,
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
      ...extraArgs,
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

/**
 * A browser context and its one tab, kept between journeys of one browser. A new context starts a
 * new renderer process, which then compiles and runs the console's bundle from nothing: about
 * 1.4 CPU-s of Chromium per journey on a 2-core machine, against about 0.5 for a load in a renderer
 * that has run it before (measured: the sign-in page loaded 8 times each way). So a journey's
 * `close()` gives its context back instead, wiped to what a new one holds: the tab leaves the console
 * for the API's /health (the document and its scripts end; the renderer stays), cookies, permissions,
 * the console origin's local and session storage and its other stores (IndexedDB, caches) are
 * cleared, media emulation is put back. A context is closed as before when the wipe could miss
 * something: the journey failed (a timed-out journey's body may still be driving the tab), another
 * tab was opened or another origin shown (their session storage cannot be cleared from here), or it
 * was changed in a way that cannot be undone (a fake clock or script installed in the page, a DevTools
 * session, routes, listeners left behind, a crash, an error while wiping). Only the HTTP cache is
 * kept: the bundle (the API's answers are `no-store`).
 */
interface Slot {
  context: BrowserContext;
  page: Page;
  /** Origins the tab has shown since it was last wiped. */
  origins: Set<string>;
  reusable: boolean;
  /** Listener counts Playwright itself keeps on the page and the context. */
  listeners: { page?: Map<string | symbol, number>; context?: Map<string | symbol, number> };
  newCDPSession: BrowserContext['newCDPSession'];
}

const idleSlots = new WeakMap<Browser, Slot[]>();
const DESKTOP = { width: 1280, height: 900 };

/** Playwright's page and context are event emitters with Node's API, which its types do not declare. */
type Emitter = { eventNames?: () => (string | symbol)[]; listenerCount?: (name: string | symbol) => number };

function listenerCounts(target: Page | BrowserContext): Map<string | symbol, number> | undefined {
  const emitter = target as unknown as Emitter;
  if (typeof emitter.eventNames !== 'function' || typeof emitter.listenerCount !== 'function') {
    return undefined;
  }
  return new Map(emitter.eventNames().map((name) => [name, emitter.listenerCount!(name)]));
}

/** Whether only Playwright's own listeners (and ours) are left; unknown counts the same as not. */
function sameListeners(target: Page | BrowserContext, expected: Map<string | symbol, number> | undefined): boolean {
  const now = listenerCounts(target);
  return !!now && !!expected && now.size === expected.size && [...now].every(([name, n]) => expected.get(name) === n);
}

/** Marks the slot as not reusable when `method` of `target` is ever called. */
function spoils<T extends object>(slot: Slot, target: T, methods: (keyof T)[]): void {
  for (const method of methods) {
    const original = target[method] as unknown as (...args: unknown[]) => unknown;
    (target as Record<keyof T, unknown>)[method] = (...args: unknown[]) => {
      slot.reusable = false;
      return original.apply(target, args);
    };
  }
}

async function newSlot(browser: Browser, viewport: { width: number; height: number }): Promise<Slot> {
  // As a person whose system asks for reduced motion: the console then shows no animation
  // (admin-ui/index.html), which spares Chromium the repaint of every frame of a spinner or a
  // dialog's fade: about a tenth of its CPU in these journeys (paired runs of self-service and
  // console.e2e). One journey checks the setting itself (console.e2e-spec.ts).
  const context = await browser.newContext({ viewport, acceptDownloads: true, reducedMotion: 'reduce' });
  const page = await context.newPage();
  // Generous for a busy machine: a journey waits for what a person would see, however slowly it comes.
  page.setDefaultTimeout(20_000);
  const slot: Slot = {
    context,
    page,
    origins: new Set(),
    reusable: true,
    listeners: {},
    newCDPSession: context.newCDPSession.bind(context),
  };
  page.on('framenavigated', (frame) => {
    try {
      const origin = new URL(frame.url()).origin;
      if (origin.startsWith('http')) {
        slot.origins.add(origin);
      }
    } catch {
      slot.reusable = false;
    }
  });
  slot.listeners = { page: listenerCounts(page), context: listenerCounts(context) };
  spoils(slot, page.clock, ['install', 'fastForward', 'pauseAt', 'resume', 'runFor', 'setFixedTime', 'setSystemTime']);
  spoils(slot, page, [
    'addInitScript',
    'addLocatorHandler',
    'exposeFunction',
    'exposeBinding',
    'route',
    'routeFromHAR',
    'routeWebSocket',
    'setExtraHTTPHeaders',
  ]);
  spoils(slot, context, [
    'addInitScript',
    'exposeFunction',
    'exposeBinding',
    'newCDPSession',
    'route',
    'routeFromHAR',
    'routeWebSocket',
    'setExtraHTTPHeaders',
    'setGeolocation',
    'setHTTPCredentials',
    'setOffline',
  ]);
  return slot;
}

/**
 * Whether the test now running has failed, a timeout included: jest-circus keeps its state on the
 * test's global under a symbol of its own (read by its description; unknown reads as failed).
 */
function currentTestFailed(): boolean {
  const global = globalThis as unknown as Record<symbol, { currentlyRunningTest?: { errors?: unknown[] } | null } | undefined>;
  const key = Object.getOwnPropertySymbols(global).find((symbol) => symbol.description === 'JEST_STATE_SYMBOL');
  const state = key ? global[key] : undefined;
  if (!state || !('currentlyRunningTest' in state)) {
    return true;
  }
  return (state.currentlyRunningTest?.errors?.length ?? 0) > 0;
}

/** Wipes a journey's context for the next one; false when it cannot be (then it is closed). */
async function wipe(slot: Slot, baseUrl: string): Promise<boolean> {
  const { context, page } = slot;
  const origin = new URL(baseUrl).origin;
  if (
    !slot.reusable ||
    currentTestFailed() ||
    page.isClosed() ||
    context.pages().length !== 1 ||
    [...slot.origins].some((o) => o !== origin) ||
    !sameListeners(page, slot.listeners.page) ||
    !sameListeners(context, slot.listeners.context)
  ) {
    return false;
  }
  try {
    // Off the console, to a plain page of the same origin: the document and its scripts end, and
    // the renderer stays, since the API answers every page with the same Cross-Origin-Opener-Policy
    // (a page without it, such as about:blank, would swap the tab to a new process). A page that
    // asks before it is left (beforeunload) would hold the tab: then it is closed instead.
    await page.goto(`${origin}/health`, { timeout: 5_000 });
    await page.evaluate('localStorage.clear(); sessionStorage.clear()');
    await context.clearCookies();
    await context.clearPermissions();
    const cdp = await slot.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
    await cdp.detach();
    slot.origins.clear();
    await page.emulateMedia({
      media: null,
      colorScheme: 'light',
      reducedMotion: 'reduce',
      forcedColors: 'none',
      contrast: 'no-preference',
    });
    return slot.reusable && !page.isClosed();
  } catch {
    return false;
  }
}

/** The console as a user sees it: sign-in, navigation and the main pages. */
export class ConsolePage {
  private closed = false;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
    private readonly slot?: { browser: Browser; slot: Slot },
  ) {}

  /** A fresh browser context (or a wiped one of an earlier journey: see Slot) with one tab. */
  static async open(browser: Browser, baseUrl: string, viewport = DESKTOP): Promise<ConsolePage> {
    const idle = idleSlots.get(browser) ?? [];
    idleSlots.set(browser, idle);
    const slot = idle.pop() ?? (await newSlot(browser, viewport));
    const size = slot.page.viewportSize();
    if (size?.width !== viewport.width || size?.height !== viewport.height) {
      await slot.page.setViewportSize(viewport).catch(async (error: unknown) => {
        await slot.context.close();
        throw error;
      });
    }
    return new ConsolePage(slot.page, baseUrl, { browser, slot });
  }

  async goto(route: string): Promise<void> {
    const url = `${this.baseUrl}/admin/#${route}`;
    // A hash-only navigation to the current address would not reload the page's data.
    await (this.page.url() === url ? this.page.reload() : this.page.goto(url));
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.goto('/login');
    await this.submitSignIn(email, password);
  }

  /**
   * Signs this browser in without the sign-in page, for journeys about something else: the same
   * POST /auth/login (and /auth/login/mfa with `code()` when the account asks for a second step)
   * the console makes, sent from this browser context so the session and CSRF cookies the API sets
   * land in it exactly as after the form. Then opens the dashboard, as the form's sign-in does.
   * About half of a journey's time went to the sign-in page; the journeys about signing in use it.
   */
  async signInByApi(email: string, password: string, code?: () => string): Promise<void> {
    const api = this.page.context().request;
    const post = async (route: string, data: object) => {
      const res = await api.post(`${this.baseUrl}/api/v1${route}`, { data, failOnStatusCode: false });
      if (!res.ok()) {
        throw new Error(`Sign-in by API: POST ${route} answered ${res.status()} ${await res.text()}`);
      }
      return (await res.json()) as { status: string; challengeId?: string };
    };
    const first = await post('/auth/login', { email, password });
    if (first.status === 'mfa_required') {
      if (!code) {
        throw new Error(`Sign-in by API: ${email} has 2FA, give the code`);
      }
      const second = await post('/auth/login/mfa', { challengeId: first.challengeId, method: 'totp', code: code() });
      if (second.status !== 'authenticated') {
        throw new Error(`Sign-in by API: the second step answered ${second.status}`);
      }
    } else if (first.status !== 'authenticated') {
      throw new Error(`Sign-in by API: ${email} answered ${first.status}`);
    }
    await this.goto('/');
  }

  /** The sign-in form of the page already open (e.g. where a mailed link for a signed-out browser led). */
  async submitSignIn(email: string, password: string): Promise<void> {
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
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

  /**
   * Types into a list's filter and waits until the list has taken it (react-admin debounces the
   * filter and then rewrites the URL, which would pull a row click made earlier back to the list).
   */
  async filterList(label: string, value: string): Promise<void> {
    await this.page.getByLabel(label).fill(value);
    await this.page.waitForURL((url) => decodeURIComponent(url.toString()).includes(JSON.stringify(value).slice(1, -1)));
  }

  /**
   * How many elements `locator` matches once the page has settled on `expected` (a list that
   * refetches is briefly empty or stale); the caller asserts the answer, so a page that never gets
   * there fails with the count it showed.
   */
  async settledCount(locator: Locator, expected: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let n = await locator.count();
    while (n !== expected && Date.now() < deadline) {
      await this.page.waitForTimeout(100);
      n = await locator.count();
    }
    return n;
  }

  async waitForHeading(text: string | RegExp): Promise<void> {
    await this.page.getByRole('heading', { name: text }).first().waitFor();
  }

  async screenshot(name: string): Promise<void> {
    if (!SCREENSHOTS) {
      return;
    }
    await this.page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** Ends this journey's browser: its context is wiped for the next journey, or closed. */
  async close(): Promise<void> {
    // Once only: a second close would wipe (or close) the context another journey holds by then.
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.slot && (await wipe(this.slot.slot, this.baseUrl)) && this.slot.browser.isConnected()) {
      idleSlots.get(this.slot.browser)?.push(this.slot.slot);
      return;
    }
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
    await this.c.page.getByRole('button', { name: 'Save', exact: true }).click();
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

  /** Approving needs the password and a code (a fresh reauth); rejecting does not. */
  async decide(action: 'Approve' | 'Reject', reason: string, proof?: { password: string; code: string }): Promise<void> {
    await this.c.page.getByRole('button', { name: action, exact: true }).click();
    const dialog = this.c.page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill(reason);
    if (proof) {
      await this.fillProof(proof);
    }
    await dialog.getByRole('button', { name: action, exact: true }).click();
  }

  async execute(proof: { password: string; code: string }): Promise<void> {
    await this.c.page.getByRole('button', { name: 'Execute', exact: true }).click();
    await this.fillProof(proof);
    await this.c.page.getByRole('dialog').getByRole('button', { name: 'Execute now' }).click();
  }

  private async fillProof(proof: { password: string; code: string }): Promise<void> {
    const dialog = this.c.page.getByRole('dialog');
    await dialog.getByLabel('Current password').fill(proof.password);
    await dialog.getByLabel(/Code from your authenticator/).fill(proof.code);
  }
}
