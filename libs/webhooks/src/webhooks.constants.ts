/** What endpoint management writes to the audit log. */
export const WebhooksAuditAction = {
  EndpointCreated: 'webhook.endpoint_created',
  EndpointUpdated: 'webhook.endpoint_updated',
  EndpointDeleted: 'webhook.endpoint_deleted',
  SecretRotated: 'webhook.secret_rotated',
} as const;

/** How long a delivery waits for the receiver's answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Endpoints per account (and for the deployment). */
export const MAX_ENDPOINTS = 10;
