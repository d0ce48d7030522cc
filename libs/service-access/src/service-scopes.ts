/**
 * What a service credential may do. A credential holds a subset; the bootstrap SERVICE_TOKEN holds
 * them all. A credential can only hand out scopes its creator holds.
 */
export const SERVICE_SCOPES = {
  'events:publish': 'Publish catalogue events to users and accounts (POST /events)',
  'event-types:manage': 'Register, version, list and retire the host application’s own event types and their templates',
  'credentials:manage': 'Create, list, rotate and revoke service credentials',
  'webhooks:manage': 'Create, change, rotate and remove deployment-wide security webhook endpoints, and read their delivery logs',
  'consent:read': "Read a user's privacy choices and the feed of consent changes",
  'billing:write': "Push an account's billing summary (plan, seats, renewal, payment method brand and last four digits)",
} as const;

export type ServiceScope = keyof typeof SERVICE_SCOPES;

export const ALL_SERVICE_SCOPES = Object.keys(SERVICE_SCOPES) as ServiceScope[];

export function isServiceScope(value: string): value is ServiceScope {
  return Object.prototype.hasOwnProperty.call(SERVICE_SCOPES, value);
}
