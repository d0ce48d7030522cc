import { Inject, Injectable } from '@nestjs/common';

import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LINK_KINDS, LINK_KIND_NAMES, LinkKind, PlainLinkKind, TokenLinkKind } from './link-kinds';

/**
 * Builds every emailed link from its kind and the validated settings, never from a request's
 * Host header. Tokens are URL-encoded into the template's `{token}`.
 */
@Injectable()
export class Links {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  build(kind: TokenLinkKind, token: string): string;
  build(kind: PlainLinkKind): string;
  build(kind: LinkKind, token?: string): string {
    const template = this.config.links[kind];
    if (!LINK_KINDS[kind].token) {
      return template;
    }
    if (!token) {
      throw new Error(`The ${kind} link needs a token`);
    }
    const encoded = encodeURIComponent(token);
    return template.replace('{token}', () => encoded);
  }

  /** The links without a token, for templates: `{{links.security_settings}}`. */
  plain(): Record<PlainLinkKind, string> {
    return Object.fromEntries(LINK_KIND_NAMES.filter((k) => !LINK_KINDS[k].token).map((k) => [k, this.config.links[k]])) as Record<
      PlainLinkKind,
      string
    >;
  }
}
