import { isIP } from 'node:net';

import { UAParser } from 'ua-parser-js';

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
  browser: string;
  os: string;
  deviceType: string;
  location: string;
}

type GeoLookup = (ip: string) => { country?: string } | null;
let geo: GeoLookup | undefined;

function lookupCountry(ip: string): string {
  // geoip-country holds its database in memory: load it on first use only.
  geo ??= (require('geoip-country') as { lookup: GeoLookup }).lookup;
  return geo(ip)?.country ?? 'unknown';
}

const PRIVATE_V4 = [
  /^10\./,
  /^127\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^169\.254\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
  /^0\./,
];

export function isPrivateAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    return PRIVATE_V4.some((r) => r.test(v4));
  }
  const lower = ip.toLowerCase();
  return lower === '::1' || lower === '::' || lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80');
}

/** Coarse location (country) from an offline GeoIP database; "unknown" for private ranges. */
export function locate(ip?: string): string {
  if (!ip || !isIP(ip.startsWith('::ffff:') ? ip.slice(7) : ip) || isPrivateAddress(ip)) {
    return 'unknown';
  }
  return lookupCountry(ip.startsWith('::ffff:') ? ip.slice(7) : ip);
}

/**
 * Both parts are pure functions of their input and cost far more than a map lookup (ua-parser
 * runs dozens of regular expressions; GeoIP a binary search): the last few thousand answers are
 * kept, so a sign-in (guard, controller, second step) never parses the same client twice.
 */
const MEMO_MAX = 2_000;
const agents = new Map<string, Pick<ClientInfo, 'browser' | 'os' | 'deviceType'>>();
const places = new Map<string, string>();

function memo<V>(cache: Map<string, V>, key: string, compute: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MEMO_MAX) {
      cache.clear();
    }
    value = compute();
    cache.set(key, value);
  }
  return value;
}

function parseAgent(userAgent: string): Pick<ClientInfo, 'browser' | 'os' | 'deviceType'> {
  const ua = new UAParser(userAgent).getResult();
  const browser = ua.browser.name ? `${ua.browser.name}${ua.browser.major ? ` ${ua.browser.major}` : ''}` : 'unknown';
  const os = ua.os.name ? `${ua.os.name}${ua.os.version ? ` ${ua.os.version}` : ''}` : 'unknown';
  const deviceType = ua.device.type ?? (ua.os.name || ua.browser.name ? 'desktop' : 'unknown');
  return { browser, os, deviceType };
}

export function describeClient(ip: string | undefined, userAgent: string | undefined): ClientInfo {
  const ua = userAgent ?? '';
  // Keys stay small: an oversized header (a probe, not a browser) is parsed without being kept.
  const agent = ua.length > 512 ? parseAgent(ua) : memo(agents, ua, () => parseAgent(ua));
  const location = ip === undefined ? locate(ip) : memo(places, ip, () => locate(ip));
  return { ip, userAgent: userAgent?.slice(0, 512), ...agent, location };
}
