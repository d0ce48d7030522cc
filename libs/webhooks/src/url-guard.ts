import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not go (SSRF): loopback, private, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, unspecified, multicast, reserved and documentation ranges,
 * in IPv4 and IPv6, IPv4-mapped IPv6 and NAT64 included.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

export function isBlockedAddress(ip: string): boolean {
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (mapped) {
    return BLOCKED.check(mapped, 'ipv4');
  }
  const nat64 = /^64:ff9b::(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (nat64) {
    return BLOCKED.check(nat64, 'ipv4');
  }
  return isIP(ip) === 4 ? BLOCKED.check(ip, 'ipv4') : BLOCKED.check(ip, 'ipv6');
}

export class WebhookUrlError extends Error {}

/** Checks the shape of a webhook URL: http(s), no credentials, a host. https is required unless private addresses are allowed (tests, labs). */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('is not a URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new WebhookUrlError('must use https');
  }
  if (url.username || url.password) {
    throw new WebhookUrlError('must not hold credentials');
  }
  if (!url.hostname) {
    throw new WebhookUrlError('has no host');
  }
  return url;
}

/**
 * Resolves the host and refuses it when any of its addresses is blocked (unless allowed): checked
 * when an endpoint is saved and again at every delivery, and the delivery connects to the address
 * checked here, so a DNS answer that changes in between (rebinding) cannot reach a private address.
 */
export async function resolveWebhookHost(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true, verbatim: true }).catch(() => []);
  if (addresses.length === 0) {
    throw new WebhookUrlError('host does not resolve');
  }
  if (!allowPrivate && addresses.some((a) => isBlockedAddress(a.address))) {
    throw new WebhookUrlError('resolves to a private, loopback or link-local address');
  }
  return addresses[0]!;
}
