import * as path from 'node:path';

import { Page } from 'playwright-core';

import { CapturedMail } from '../../fakes/smtp-sink';
import { ConsolePage, SCREENSHOTS, SHOTS } from './console.page';

export const WIDE = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Every link in a mail's text, in order. */
export function linksIn(mail: CapturedMail): string[] {
  return [...mail.text.matchAll(/https?:\/\/[^\s<>"')]+/g)].map((m) => m[0]);
}

/**
 * A mail as the person reads it: its HTML in a browser tab, where they click a link by its words.
 * Following it loads the page the link really points at.
 */
export class MailView {
  constructor(private readonly c: ConsolePage) {}

  async click(mail: CapturedMail, linkText: string | RegExp): Promise<string> {
    // A blank tab first: over a console page, setContent keeps that page's address, and a link to
    // the same document would then only change its hash.
    await this.c.page.goto('about:blank');
    await this.c.page.setContent(mail.html);
    const link = this.c.page.getByRole('link', { name: linkText }).first();
    const href = (await link.getAttribute('href')) ?? '';
    await Promise.all([this.c.page.waitForURL((u) => u.href === href), link.click()]);
    return href;
  }
}

/** The console's public pages: sign-up, password reset, email links, invitations, support requests. */
export class PublicPages {
  readonly page: Page;

  constructor(private readonly c: ConsolePage) {
    this.page = c.page;
  }

  /** An input by its whole label (MUI adds " *" to required ones). */
  field(label: string) {
    const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.page.getByLabel(new RegExp(`^${escaped}(\\s*\\*)?$`));
  }

  button(name: string | RegExp) {
    return this.page.getByRole('button', { name });
  }

  /** The success or error state a flow ends in. */
  async outcome(): Promise<{ severity: string; text: string }> {
    const box = this.page.getByTestId('outcome').first();
    await box.waitFor();
    return { severity: (await box.getAttribute('data-outcome')) ?? '', text: await box.innerText() };
  }

  async heading(): Promise<string> {
    return this.page.getByRole('heading', { level: 1 }).innerText();
  }

  /** The page at a laptop's and a phone's width. */
  async screenshots(name: string): Promise<void> {
    if (!SCREENSHOTS) {
      return;
    }
    for (const [suffix, size] of [
      ['1280', WIDE],
      ['390', PHONE],
    ] as const) {
      await this.page.setViewportSize(size);
      await this.page.screenshot({ path: path.join(SHOTS, `${name}-${suffix}.png`), fullPage: true });
    }
    await this.page.setViewportSize(WIDE);
  }

  async signUp(name: string, email: string, password: string): Promise<void> {
    await this.field('Your name').fill(name);
    await this.field('Email').fill(email);
    await this.field('Password').fill(password);
    await this.button('Create my account').click();
  }

  async askForReset(email: string): Promise<void> {
    await this.field('Email').fill(email);
    await this.button('Send me a reset link').click();
  }

  async chooseNewPassword(password: string): Promise<void> {
    await this.field('New password').fill(password);
    await this.field('Repeat the new password').fill(password);
    await this.button('Change my password').click();
  }

  async resetCode(code: string): Promise<void> {
    await this.field('Code').fill(code);
    await this.button('Change my password').click();
  }

  async createAccountAndJoin(name: string, password: string): Promise<void> {
    await this.field('Your name').fill(name);
    await this.field('Choose a password').fill(password);
    await this.field('Repeat the password').fill(password);
    await this.button('Create my account and join').click();
  }

  async requestSupport(email: string, message: string): Promise<void> {
    const input = this.field('Email');
    if ((await input.inputValue()) !== email) {
      await input.fill(email);
    }
    await this.field('Message').fill(message);
    await this.button('Send the request').click();
  }
}
