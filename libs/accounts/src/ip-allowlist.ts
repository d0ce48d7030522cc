import { BlockList, isIP } from 'node:net';

import { FieldError } from '@latchkey/core';

export interface ParsedCidr {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefix: number;
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Undefined when malformed. */
export function parseCidr(value: string): ParsedCidr | undefined {
  if (typeof value !== 'string' || value.length > 64) {
    return undefined;
  }
  const [address, prefixText, ...rest] = value.trim().split('/');
  const version = isIP(address ?? '');
  if (rest.length > 0 || version === 0 || !address) {
    return undefined;
  }
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return undefined;
  }
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) {
    return undefined;
  }
  return { family: version === 4 ? 'ipv4' : 'ipv6', address, prefix };
}

export function normaliseCidr(c: ParsedCidr): string {
  return `${c.address}/${c.prefix}`;
}

/** Field errors for every entry that is not a CIDR, named `ipAllowlist[i]`. */
export function cidrErrors(list: string[], field = 'ipAllowlist'): FieldError[] {
  return list.flatMap((value, i) =>
    parseCidr(value) ? [] : [{ field: `${field}[${i}]`, message: `"${String(value).slice(0, 64)}" is not an IPv4 or IPv6 CIDR` }],
  );
}

const cache = new Map<string, BlockList>();

function blockListFor(list: string[]): BlockList {
  const key = list.join(',');
  let bl = cache.get(key);
  if (!bl) {
    bl = new BlockList();
    for (const entry of list) {
      const c = parseCidr(entry);
      if (c) {
        bl.addSubnet(c.address, c.prefix, c.family);
      }
    }
    if (cache.size > 1000) {
      cache.clear();
    }
    cache.set(key, bl);
  }
  return bl;
}

/** An empty list allows everyone. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked as IPv4. */
export function ipAllowed(list: string[], ip: string | undefined): boolean {
  if (list.length === 0) {
    return true;
  }
  if (!ip) {
    return false;
  }
  const mapped = ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const version = isIP(mapped);
  if (version === 0) {
    return false;
  }
  return blockListFor(list).check(mapped, version === 4 ? 'ipv4' : 'ipv6');
}
