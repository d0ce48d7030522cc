import * as fs from 'node:fs';
import * as path from 'node:path';

import { Links } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  /** The event's own text, without the layout (SMS, inbox, Discord). */
  summary: string;
}

const TEMPLATE_DIR = path.resolve(__dirname, 'templates');

/** 'es-MX' → ['es-mx', 'es']; English is the fallback for anything missing. */
export function localeChain(locale: string | undefined): string[] {
  const l = (locale ?? '').toLowerCase().replace('_', '-');
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/.test(l) || l === 'en') {
    return [];
  }
  const base = l.split('-')[0];
  return base !== l && base !== 'en' ? [l, base] : [l];
}

/**
 * Handlebars templates with a shared layout, compiled once. HTML output escapes every value;
 * the text version is plain. A template, layout or subject may be overridden per language in
 * templates/<lang>/; whatever has no translation falls back to English.
 */
@Injectable()
export class TemplateRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate | null>();
  private readonly subjects = new Map<string, Handlebars.TemplateDelegate>();

  constructor(private readonly links: Links) {}

  private compile(file: string, locales: string[], noEscape = false): Handlebars.TemplateDelegate {
    for (const candidate of [...locales.map((l) => path.join(l, file)), file]) {
      const tpl = this.load(candidate, noEscape);
      if (tpl) {
        return tpl;
      }
    }
    throw new Error(`Missing template ${file}`);
  }

  private load(relative: string, noEscape: boolean): Handlebars.TemplateDelegate | null {
    const key = `${relative}:${noEscape}`;
    let tpl = this.cache.get(key);
    if (tpl === undefined) {
      const file = path.join(TEMPLATE_DIR, relative);
      tpl = fs.existsSync(file) ? this.hbs.compile(fs.readFileSync(file, 'utf8'), { noEscape }) : null;
      this.cache.set(key, tpl);
    }
    return tpl;
  }

  /** The catalogue's subjects are a fixed set: compiled once each, like the files. */
  private subject(source: string): Handlebars.TemplateDelegate {
    let tpl = this.subjects.get(source);
    if (!tpl) {
      tpl = this.hbs.compile(source, { noEscape: true });
      this.subjects.set(source, tpl);
    }
    return tpl;
  }

  /** Every template also gets `links`, the link table's links without a token (`{{links.security_settings}}`). */
  render(template: string, subject: string, data: Record<string, unknown>): RenderedMessage {
    const context: Record<string, unknown> = { ...data, links: this.links.plain() };
    const locales = localeChain(typeof context.locale === 'string' ? context.locale : undefined);
    const localizedSubject = locales.map((l) => this.load(path.join(l, `${template}.subject.hbs`), true)).find(Boolean);
    const renderedSubject = (localizedSubject ?? this.subject(subject))(context)
      .trim()
      .replace(/[\r\n]+/g, ' ');
    const body = this.compile(`${template}.html.hbs`, locales)(context);
    const html = this.compile('layout.html.hbs', locales)({ ...context, subject: renderedSubject, body });
    const summary = this.compile(`${template}.text.hbs`, locales, true)(context).trim();
    const text = `${summary}\n\n${this.compile('layout.text.hbs', locales, true)(context).trim()}\n`;
    return { subject: renderedSubject, html, text, summary };
  }

  /**
   * A message whose own parts are rendered already (a host event type's templates), put in the
   * shared layout like the catalogue's mails.
   */
  inLayout(parts: { subject: string; html: string; text: string }, data: Record<string, unknown>): RenderedMessage {
    const context: Record<string, unknown> = { ...data, links: this.links.plain() };
    const locales = localeChain(typeof context.locale === 'string' ? context.locale : undefined);
    const subject = parts.subject.trim().replace(/[\r\n]+/g, ' ');
    const html = this.compile('layout.html.hbs', locales)({ ...context, subject, body: parts.html });
    const summary = parts.text.trim();
    const text = `${summary}\n\n${this.compile('layout.text.hbs', locales, true)(context).trim()}\n`;
    return { subject, html, text, summary };
  }

  templateNames(): string[] {
    return fs
      .readdirSync(TEMPLATE_DIR)
      .filter((f) => f.endsWith('.html.hbs') && f !== 'layout.html.hbs')
      .map((f) => f.replace(/\.html\.hbs$/, ''));
  }

  /** Languages with at least one translated template. */
  translations(): string[] {
    return fs
      .readdirSync(TEMPLATE_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  }
}
