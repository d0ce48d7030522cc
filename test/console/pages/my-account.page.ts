import { Locator } from 'playwright-core';

import { ConsolePage, SCREENSHOTS } from './console.page';

/** Desktop and phone widths of every new or changed page. */
export async function screenshotBoth(c: ConsolePage, name: string): Promise<void> {
  if (!SCREENSHOTS) {
    return;
  }
  const size = c.page.viewportSize() ?? { width: 1280, height: 900 };
  await c.page.setViewportSize({ width: 1280, height: 900 });
  await c.screenshot(name);
  await c.page.setViewportSize({ width: 390, height: 844 });
  await c.screenshot(`${name}-phone`);
  await c.page.setViewportSize(size);
}

/** My account, tab by tab (#/me/<tab>). */
export class MyAccountPage {
  constructor(private readonly c: ConsolePage) {}

  async open(tab: 'profile' | 'security' | 'connected-accounts' | 'api-keys' | 'notifications' | 'inbox' | 'privacy'): Promise<void> {
    await this.c.goto(`/me/${tab}`);
    const label =
      tab === 'api-keys' ? 'API keys' : tab === 'connected-accounts' ? 'Connected accounts' : tab[0]!.toUpperCase() + tab.slice(1);
    await this.c.page.getByRole('tab', { name: label, selected: true }).waitFor();
  }

  section(id: string): Locator {
    return this.c.page.getByTestId(id);
  }

  async changePassword(current: string, next: string): Promise<void> {
    const form = this.section('password');
    await form.getByLabel('Current password').fill(current);
    await form.getByLabel(/^New password/).fill(next);
    await form.getByLabel('Confirm new password').fill(next);
    await form.getByRole('button', { name: 'Change password' }).click();
  }

  async requestEmailChange(newEmail: string, password: string): Promise<void> {
    const form = this.section('email');
    await form.getByLabel('New email address').fill(newEmail);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Change email' }).click();
  }

  pendingEmail(): Locator {
    return this.c.page.getByTestId('email-pending');
  }

  async confirmDialog(button = 'Confirm'): Promise<void> {
    await this.c.page.getByRole('dialog').getByRole('button', { name: button }).click();
  }

  async uploadAvatar(png: Buffer): Promise<void> {
    await this.c.page.getByLabel('Profile picture file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
  }

  /** The avatar image in the app bar (react-admin's user menu), by the user's name. */
  appBarAvatar(displayName: string): Locator {
    return this.c.page.locator(`header img[alt="${displayName}"]`);
  }

  /** The two privacy switches, by their labels. */
  consentSwitch(which: 'analytics' | 'marketing'): Locator {
    return this.section('privacy-choices').getByLabel(which === 'analytics' ? 'Anonymous usage analytics' : 'Marketing emails');
  }

  consentHistoryRows(): Locator {
    return this.section('privacy-choices').getByTestId('consent-history').locator('tbody tr');
  }

  /** The banner every page shows while the account waits out its deletion grace period. */
  deletionBanner(): Locator {
    return this.c.page.getByTestId('deletion-banner');
  }

  trustedDevices(): Locator {
    return this.c.page.getByTestId('trusted-device');
  }

  async deleteAccount(password: string, code?: string): Promise<void> {
    const form = this.section('delete-account');
    await form.getByLabel('Current password').fill(password);
    if (code) {
      await form.getByLabel(/Code from your authenticator/).fill(code);
    }
    await form.getByLabel('I understand that after the grace period this cannot be undone').check();
    await form.getByRole('button', { name: 'Delete my account' }).click();
  }
}

/** The bell in the app bar. */
export class InboxBell {
  constructor(private readonly c: ConsolePage) {}

  /** The number on the badge; 0 when the badge is hidden. */
  async unread(): Promise<number> {
    const label = (await this.c.page.getByTestId('inbox-bell').getAttribute('aria-label')) ?? '';
    const m = /(\d+) unread/.exec(label);
    return m ? Number(m[1]) : 0;
  }

  async waitForUnread(n: number): Promise<void> {
    await this.c.page
      .getByTestId('inbox-bell')
      .and(this.c.page.getByLabel(n ? `Notifications: ${n} unread` : 'Notifications', { exact: true }))
      .waitFor();
  }

  async open(): Promise<Locator> {
    await this.c.page.getByTestId('inbox-bell').click();
    const popover = this.c.page.locator('.MuiPopover-paper');
    await popover.getByTestId('inbox-list').waitFor();
    return popover;
  }
}

/** Account pages an owner or admin uses. */
export class OwnerPages {
  constructor(private readonly c: ConsolePage) {}

  memberRow(email: string): Locator {
    return this.c.page.locator('table tbody tr', { hasText: email });
  }

  async openMembers(): Promise<void> {
    await this.c.goto('/members');
    await this.c.page.locator('table tbody tr').first().waitFor();
  }

  async transferOwnership(toEmail: string, password: string, code?: string): Promise<void> {
    await this.c.page.getByLabel('New owner').click();
    await this.c.page.getByRole('option', { name: new RegExp(toEmail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).click();
    await this.c.page.getByLabel('Current password').fill(password);
    if (code !== undefined) {
      await this.c.page.getByLabel(/Code from your authenticator/).fill(code);
    }
    await this.c.page.getByRole('button', { name: 'Transfer ownership' }).click();
  }

  async auditSentences(): Promise<string[]> {
    await this.c.goto('/audit-log');
    await this.c.page.getByTestId('audit-sentence').first().waitFor();
    return this.c.page.getByTestId('audit-sentence').allInnerTexts();
  }
}

/** The support desk: queue search and the ticket page. */
export class SupportDesk {
  constructor(private readonly c: ConsolePage) {}

  queueRows(): Locator {
    return this.c.page.locator('table tbody tr');
  }

  async search(q: string): Promise<void> {
    await this.c.filterList('Reference or email', q);
  }

  executeButton(): Locator {
    return this.c.page.getByTestId('execute-button');
  }
}
