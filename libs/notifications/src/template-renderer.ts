import * as fs from 'node:fs';
import * as path from 'node:path';

import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

const TEMPLATE_DIR = path.resolve(__dirname, 'templates');

/**
 * Handlebars templates with a shared layout, compiled once. HTML output escapes every value;
 * the text version is plain.
 */
@Injectable()
export class TemplateRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  private compile(file: string, noEscape = false): Handlebars.TemplateDelegate {
    const key = `${file}:${noEscape}`;
    let tpl = this.cache.get(key);
    if (!tpl) {
      tpl = this.hbs.compile(fs.readFileSync(path.join(TEMPLATE_DIR, file), 'utf8'), { noEscape });
      this.cache.set(key, tpl);
    }
    return tpl;
  }

  render(template: string, subject: string, context: Record<string, unknown>): RenderedMessage {
    const renderedSubject = this.hbs.compile(subject, { noEscape: true })(context).replace(/[\r\n]+/g, ' ');
    const body = this.compile(`${template}.html.hbs`)(context);
    const html = this.compile('layout.html.hbs')({ ...context, subject: renderedSubject, body });
    const text = `${this.compile(`${template}.text.hbs`, true)(context).trim()}\n\n${this.compile('layout.text.hbs', true)(context).trim()}\n`;
    return { subject: renderedSubject, html, text };
  }

  templateNames(): string[] {
    return fs
      .readdirSync(TEMPLATE_DIR)
      .filter((f) => f.endsWith('.html.hbs') && f !== 'layout.html.hbs')
      .map((f) => f.replace(/\.html\.hbs$/, ''));
  }
}
