import * as fs from 'node:fs';
import * as path from 'node:path';

import { LINK_KINDS, LINK_KIND_NAMES, LinkKind, Links } from '@latchkey/core';
import { EVENT_CATALOGUE, EventDefinition, EventType } from '@latchkey/notifications';
import { TemplateRenderer } from '../../libs/notifications/src/template-renderer';
import { simpleParser } from 'mailparser';

import { PUBLIC_ROUTES, SIGNED_IN_ROUTES } from '../../admin-ui/src/public/routes';
import { uniqueEmail } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const TEMPLATE_DIR = path.resolve(__dirname, '../../libs/notifications/src/templates');
/** The console's pages, as its router knows them (admin-ui/src/public/routes.ts). */
const CONSOLE_ROUTES = new Set<string>([...Object.values(PUBLIC_ROUTES), ...Object.values(SIGNED_IN_ROUTES)]);
/** Console pages that finish a flow with the link's token, and so need one. */
const TOKEN_PAGES = new Set<string>([
  PUBLIC_ROUTES.resetPassword,
  PUBLIC_ROUTES.verifyEmail,
  PUBLIC_ROUTES.confirmEmail,
  PUBLIC_ROUTES.acceptInvitation,
  PUBLIC_ROUTES.supportConfirm,
  PUBLIC_ROUTES.supportCancel,
]);
const HOST_URL = 'https://host-app.example/page/1042';

/** A value for every plain variable any template uses. Link fields come from the link table below. */
const SAMPLE: Record<string, unknown> = {
  name: 'Robin Example',
  validHours: 24,
  when: 'Mon, 23 Nov 2026 12:00:00 GMT',
  ip: '203.0.113.7',
  browser: 'Firefox',
  os: 'Linux',
  location: 'Lisbon, PT',
  method: 'Authenticator app',
  reason: 'requested by you',
  remaining: 2,
  until: 'Mon, 23 Nov 2026 12:15:00 GMT',
  expiresAt: 'Wed, 23 Dec 2026 12:00:00 GMT',
  newEmail: 'robin.new@example.com',
  ticket: 'SUP-001042',
  runsAt: 'Thu, 26 Nov 2026 12:00:00 GMT',
  by: 'you',
  accountName: 'Acme Corp',
  inviterName: 'Sam Admin',
  role: 'admin',
  from: 'member',
  invoiceNumber: 'INV-1042',
  amount: '€120.00',
  dueDate: '2026-12-01',
  metric: 'API calls',
  current: 12000,
  usual: 900,
  integration: 'Stripe',
  error: 'HTTP 401',
  title: 'Passkeys are here',
  summary: 'Sign in with a passkey.',
  reset: true,
  completed: true,
};

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#x60;': '`',
  '&#x3D;': '=',
};
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#x27|#x60|#x3D);/g, (e) => ENTITIES[e]);

/** Every link of a mail: each href of the HTML (decoded), and each URL written out in the text. */
function linksOf(message: { html: string; text: string }): string[] {
  const hrefs = [...message.html.matchAll(/href\s*=\s*"([^"]*)"/gi)].map((m) => decode(m[1]));
  const written = [...message.text.matchAll(/https?:\/\/[^\s<>"')]+/g)].map((m) => m[0].replace(/[.,;:]+$/, ''));
  return [...hrefs, ...written];
}

interface Landing {
  apiRoutes: Set<string>;
  publicUrl: string;
  external: Set<string>;
}

/** Why a link would dead-end, or undefined when it lands on a console page or an API route that exists. */
function deadEnd(link: string, ctx: Landing): string | undefined {
  if (ctx.external.has(link)) {
    return undefined;
  }
  if (!/^https?:\/\//.test(link)) {
    return `not an absolute link (an undeclared link variable?): "${link}"`;
  }
  if (!link.startsWith(`${ctx.publicUrl}/`)) {
    return `not under PUBLIC_URL: ${link}`;
  }
  const url = new URL(link);
  if (url.pathname === '/admin/' && url.hash.startsWith('#/')) {
    const [route, query = ''] = url.hash.slice(1).split('?');
    if (!CONSOLE_ROUTES.has(route)) {
      return `no console page at #${route}: ${link}`;
    }
    if (TOKEN_PAGES.has(route) && !new URLSearchParams(query).get('token')) {
      return `the page #${route} needs the link's token: ${link}`;
    }
    return undefined;
  }
  if (url.pathname.startsWith('/api/v1/')) {
    const known = [...ctx.apiRoutes].some((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url.pathname));
    return known ? undefined : `no GET API route at ${url.pathname}: ${link}`;
  }
  return `neither a console page nor an API route: ${link}`;
}

describe('Nothing emailed dead-ends: every link of every mail lands on a console page or an API route', () => {
  let t: TestApp;
  let renderer: TemplateRenderer;
  let links: Links;
  let ctx: Landing;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    renderer = t.app.get(TemplateRenderer);
    links = t.app.get(Links);
    const doc = await t.http().get('/api/docs-json').expect(200);
    const apiRoutes = new Set(
      Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
        .filter(([, ops]) => 'get' in ops)
        .map(([p]) => p),
    );
    ctx = { apiRoutes, publicUrl: t.config.http.publicUrl, external: new Set([HOST_URL]) };
  });

  afterAll(async () => {
    await t.close();
  });

  /** The data a real sender gives: token links built by the link table, host links where the catalogue allows them. */
  function dataFor(def: EventDefinition): Record<string, unknown> {
    const data: Record<string, unknown> = { ...SAMPLE };
    for (const [field, kind] of Object.entries(def.links ?? {})) {
      data[field] = links.build(kind, `sample-${field}-token`);
    }
    for (const [field, spec] of Object.entries(def.data ?? {})) {
      if (spec.type === 'url') {
        data[field] = HOST_URL;
      }
    }
    return data;
  }

  const events = Object.entries(EVENT_CATALOGUE) as Array<[EventType, EventDefinition]>;

  it.each(events)('%s: every link lands somewhere that finishes the flow', (_type, def) => {
    for (const locale of ['en', ...renderer.translations()]) {
      const message = renderer.render(def.template, def.subject, { ...dataFor(def), locale });
      const found = linksOf(message);
      expect(found.length).toBeGreaterThan(0);
      expect(found.map((l) => deadEnd(l, ctx)).filter(Boolean)).toEqual([]);
      expect(found).toContain(links.build('notification_preferences'));
      for (const [field, kind] of Object.entries(def.links ?? {})) {
        expect([field, message.html.includes(`href="${links.build(kind, `sample-${field}-token`).replace(/=/g, '&#x3D;')}"`)]).toEqual([
          field,
          true,
        ]);
      }
    }
  });

  it('every kind of the link table lands on a console page, token kinds with their token', () => {
    for (const kind of LINK_KIND_NAMES) {
      const link = LINK_KINDS[kind].token
        ? links.build(kind as Extract<LinkKind, 'verify_email'>, 'sample-token')
        : links.build(kind as Extract<LinkKind, 'sign_in'>);
      expect([kind, deadEnd(link, ctx)]).toEqual([kind, undefined]);
    }
  });

  it('templates take every link from the link table: no hand-made paths, no link variable the catalogue does not declare', () => {
    const declared = new Set(Object.values(EVENT_CATALOGUE).flatMap((d: EventDefinition) => Object.keys(d.links ?? {})));
    const plain = new Set(LINK_KIND_NAMES.filter((k) => !LINK_KINDS[k].token));
    const files = fs
      .readdirSync(TEMPLATE_DIR, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.hbs'));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const source = fs.readFileSync(path.join(TEMPLATE_DIR, file), 'utf8');
      expect([file, /publicUrl|\/admin\/#|https?:\/\//.test(source)]).toEqual([file, false]);
      for (const [, variable] of source.matchAll(/\{\{\{?\s*([\w.]*link[\w.]*)\s*\}?\}\}/gi)) {
        const ok = variable.startsWith('links.') ? plain.has(variable.slice(6) as LinkKind) : declared.has(variable);
        expect([file, variable, ok]).toEqual([file, variable, true]);
      }
    }
  });

  it('the check itself fails a link to a page the console does not have, a relative link and an unknown API route', () => {
    const base = ctx.publicUrl;
    expect(deadEnd(`${base}/admin/#/my-account/notifications`, ctx)).toMatch(/no console page at #\/my-account\/notifications/);
    expect(deadEnd(`${base}/admin/#/reset-password`, ctx)).toMatch(/needs the link's token/);
    expect(deadEnd(`${base}/invitations/accept?token=x`, ctx)).toMatch(/neither a console page nor an API route/);
    expect(deadEnd('', ctx)).toMatch(/not an absolute link/);
    expect(deadEnd('https://elsewhere.example/admin/#/login', ctx)).toMatch(/not under PUBLIC_URL/);
    expect(deadEnd(`${base}/api/v1/no-such-route`, ctx)).toMatch(/no GET API route/);
    expect(deadEnd(`${base}/api/v1/events/catalogue`, ctx)).toBeUndefined();
    const rendered = { html: '<a href="{{link}}"></a><a href="">x</a>', text: 'See http://latchkey.test/admin/#/nowhere.' };
    expect(linksOf(rendered).map((l) => deadEnd(l, ctx))).toEqual([
      expect.stringMatching(/not an absolute/),
      expect.stringMatching(/not an absolute/),
      expect.stringMatching(/#\/nowhere/),
    ]);
  });
});

describe('On the embedded defaults (no SMTP): the .eml in the outbox folder carries a link that works', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { SMTP_URL: '', LINK_RESET_PASSWORD: 'https://app.example.com/account/reset?t={token}&from=mail' } });
  });

  async function outboxMail(to: string, subject: string) {
    await t.settle();
    const dir = t.config.mail.outboxDir;
    const mails = await Promise.all(
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => simpleParser(fs.readFileSync(path.join(dir, f)))),
    );
    const mail = mails.find((m) => m.subject === subject && JSON.stringify(m.to).includes(to));
    if (!mail) {
      throw new Error(`No "${subject}" mail to ${to} in ${dir}`);
    }
    return mail;
  }

  afterAll(async () => {
    await t.close();
  });

  it('a verification mail written to DATA_DIR/outbox/mail opens the console page, and its token verifies the address', async () => {
    const email = uniqueEmail('outbox');
    await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email, password: 'violet-anchor-tundra-42', displayName: 'Olive Outbox' })
      .expect(202);
    const mail = await outboxMail(email, 'Confirm your email address');
    const link = /http:\/\/latchkey\.test\/admin\/#\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail!.text ?? '');
    expect(link).not.toBeNull();
    expect(mail!.html).toContain(`href="${link![0].replace(/=/g, '&#x3D;')}"`);
    await t.http().post('/api/v1/auth/verify-email').send({ token: link![1] }).expect(200);
    const [row] = await t.dataSource.query('SELECT email_verified_at FROM users WHERE email = $1', [email]);
    expect(row.email_verified_at).not.toBeNull();
  });

  it("a host application's LINK_RESET_PASSWORD page is what the reset mail links, whatever Host the request named", async () => {
    const email = uniqueEmail('hosted');
    await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email, password: 'violet-anchor-tundra-42', displayName: 'Hal Hosted' })
      .expect(202);
    await t
      .http()
      .post('/api/v1/auth/password/forgot')
      .set('Host', 'attacker.example')
      .set('X-Forwarded-Host', 'attacker.example')
      .send({ email })
      .expect(202);
    const mail = await outboxMail(email, 'Reset your password');
    expect(mail.text).not.toContain('attacker.example');
    const link = /https:\/\/app\.example\.com\/account\/reset\?t=([A-Za-z0-9_-]+)&from=mail/.exec(mail.text ?? '');
    expect(link).not.toBeNull();
    expect(mail.text).toContain('http://latchkey.test/admin/#/me/notifications');
    await t.http().post('/api/v1/auth/password/reset').send({ token: link![1], newPassword: 'amber-canyon-whistle-81' }).expect(200);
  });
});
