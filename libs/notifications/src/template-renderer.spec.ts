import { Links, loadConfig } from '@latchkey/core';

import { EVENT_CATALOGUE, EventDefinition, EventType } from './event-catalogue';
import { TemplateRenderer } from './template-renderer';

/** Sample values for every variable any template uses; a template missing here renders blanks and shows it in the snapshot. */
const SAMPLE: Record<string, unknown> = {
  name: 'Robin Example',
  publicUrl: 'https://latchkey.example.com',
  link: 'https://latchkey.example.com/admin/#/verify-email?token=SAMPLE',
  validHours: 24,
  validMinutes: 60,
  when: 'Mon, 23 Nov 2026 12:00:00 GMT',
  ip: '203.0.113.7',
  browser: 'Firefox',
  os: 'Linux',
  location: 'Lisbon, PT',
  method: 'Authenticator app',
  reason: 'requested by you',
  remaining: 2,
  until: 'Mon, 23 Nov 2026 12:15:00 GMT',
  device: 'Firefox on Linux',
  expiresAt: 'Wed, 23 Dec 2026 12:00:00 GMT',
  newEmail: 'robin.new@example.com',
  oldEmail: 'robin@example.com',
  ticket: 'SUP-1042',
  runsAt: 'Thu, 26 Nov 2026 12:00:00 GMT',
  cancelLink: 'https://latchkey.example.com/admin/#/support/cancel?token=SAMPLE',
  by: 'you',
  accountName: 'Acme Corp',
  inviterName: 'Sam Admin',
  role: 'admin',
  from: 'member',
  invoiceNumber: 'INV-1042',
  amount: '€120.00',
  dueDate: '2026-12-01',
  url: 'https://billing.example.com/i/1042',
  metric: 'API calls',
  current: 12000,
  usual: 900,
  integration: 'Stripe',
  error: 'HTTP 401 from the API <script>',
  title: 'Passkeys are here',
  summary: 'Sign in with a passkey from the security page.',
  passkey: 'YubiKey 5C',
  keyName: 'CI deploy',
  prefix: 'lk_pat_3fQ9',
  scopes: 'read, write',
  account: 'Acme Corp (admin at most)',
  expires: 'Sun, 28 Feb 2027 12:00:00 GMT',
  provider: 'Google',
  providerEmail: 'robin@gmail.example',
  deleteOn: 'Mon, 14 Dec 2026 12:00:00 GMT',
};

describe('TemplateRenderer', () => {
  const sut = new TemplateRenderer(new Links(loadConfig({ PUBLIC_URL: 'https://latchkey.example.com' })));
  const events = Object.entries(EVENT_CATALOGUE) as Array<[EventType, EventDefinition]>;

  it('has a template pair for every catalogue event', () => {
    const names = new Set(sut.templateNames());
    for (const [, def] of events) {
      expect(names).toContain(def.template);
    }
  });

  it.each(events)('renders %s in HTML and text', (_type, def) => {
    const message = sut.render(def.template, def.subject, { ...SAMPLE, locale: 'en' });
    expect(message.subject).not.toMatch(/\{\{|^\s*$/);
    expect(message.html).toMatch(/^<!doctype html>/);
    expect(message.html).toContain('https://latchkey.example.com/admin/#/me/notifications');
    expect(message.text).toContain('https://latchkey.example.com/admin/#/me/notifications');
    expect(message.html).not.toContain('<script>');
    expect(message).toMatchSnapshot();
  });

  it.each(sut.translations())('renders the %s translations, falling back to English elsewhere', (locale) => {
    for (const [, def] of events) {
      const message = sut.render(def.template, def.subject, { ...SAMPLE, locale });
      expect(message.html).toContain(`lang="${locale}"`);
    }
    const def: EventDefinition = EVENT_CATALOGUE['security.new_sign_in'];
    expect(sut.render(def.template, def.subject, { ...SAMPLE, locale })).toMatchSnapshot();
  });

  it('falls back from a regional locale to its language, and from an unknown one to English', () => {
    const def: EventDefinition = EVENT_CATALOGUE['security.new_sign_in'];
    expect(sut.render(def.template, def.subject, { ...SAMPLE, locale: 'es-AR' }).subject).toBe('Nuevo inicio de sesión en tu cuenta');
    expect(sut.render(def.template, def.subject, { ...SAMPLE, locale: 'xx' }).subject).toBe('New sign-in to your account');
    expect(sut.render(def.template, def.subject, { ...SAMPLE, locale: '../../etc' }).subject).toBe('New sign-in to your account');
  });
});
