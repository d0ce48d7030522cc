import { createHmac, randomBytes } from 'node:crypto';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks headers (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>` over
 * `${id}.${timestamp}.${body}` keyed with the secret's bytes, one per valid secret (so receivers
 * keep verifying through a rotation).
 */
export function signWebhook(secrets: string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  const signed = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    return `v1,${createHmac('sha256', key).update(signed, 'utf8').digest('base64')}`;
  });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
