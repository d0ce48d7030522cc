import { SecretBox } from '@latchkey/core';

import { OutboxPayload } from './notification-outbox.entity';

/** Shown in place of a token link wherever a message is kept or leaves by another channel than email. */
export const LINK_PLACEHOLDER = '(the link is in the email we sent you)';

/**
 * A data field carrying a token link: `link`, or any `...Link` (`cancelLink`). Every emailed link
 * with a token is passed under such a name; plain links from the host go in `url`.
 */
export function isSecretField(key: string): boolean {
  return key === 'link' || /Link$/.test(key);
}

export function splitSecrets(data: Record<string, unknown>): { plain: Record<string, unknown>; secret: Record<string, unknown> | null } {
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  let any = false;
  for (const [k, v] of Object.entries(data)) {
    if (isSecretField(k) && v !== undefined && v !== null) {
      secret[k] = v;
      any = true;
    } else {
      plain[k] = v;
    }
  }
  return { plain, secret: any ? secret : null };
}

/** The data with every token link replaced by a placeholder (inbox, Discord). */
export function withoutSecrets(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, isSecretField(k) && v ? LINK_PLACEHOLDER : v]));
}

function context(idempotencyKey: string): string {
  return `outbox:${idempotencyKey}`;
}

/**
 * Token links never rest in clear in the outbox: they are sealed with SecretBox (bound to the
 * row's idempotency key, so a sealed value copied to another row does not open), opened only by
 * the worker at send time, and wiped once the row is delivered, skipped or dead.
 */
export function sealPayload(box: SecretBox, payload: OutboxPayload, idempotencyKey: string): OutboxPayload {
  const { plain, secret } = splitSecrets(payload.data);
  if (!secret) {
    return { ...payload, data: plain };
  }
  return { ...payload, data: plain, sealed: box.seal(JSON.stringify(secret), context(idempotencyKey)) };
}

export function openPayload(box: SecretBox, payload: OutboxPayload, idempotencyKey: string): Record<string, unknown> {
  if (!payload.sealed) {
    return payload.data;
  }
  return { ...payload.data, ...(JSON.parse(box.open(payload.sealed, context(idempotencyKey))) as Record<string, unknown>) };
}

/** SQL expression: the payload without its sealed part, marked so a replay knows the links are gone. */
export const WIPED_PAYLOAD_SQL = `CASE WHEN payload->>'sealed' IS NOT NULL THEN (payload - 'sealed') || '{"wiped": true}'::jsonb ELSE payload END`;
