import { cidrErrors, ipAllowed, parseCidr } from './ip-allowlist';

describe('IP allow-list', () => {
  it('parses IPv4 and IPv6 CIDRs and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ family: 'ipv4', address: '10.0.0.0', prefix: 8 });
    expect(parseCidr('2001:db8::/32')).toEqual({ family: 'ipv6', address: '2001:db8::', prefix: 32 });
    expect(parseCidr('127.0.0.1')).toMatchObject({ prefix: 32 });
  });

  it('names every malformed entry', () => {
    expect(cidrErrors(['10.0.0.0/8', '10.0.0.0/33', 'nope', '1.2.3.4/x', '::1/129']).map((e) => e.field)).toEqual([
      'ipAllowlist[1]',
      'ipAllowlist[2]',
      'ipAllowlist[3]',
      'ipAllowlist[4]',
    ]);
  });

  it('matches addresses against the list; an empty list allows everyone', () => {
    expect(ipAllowed([], '8.8.8.8')).toBe(true);
    expect(ipAllowed(['192.168.0.0/16'], '192.168.4.2')).toBe(true);
    expect(ipAllowed(['192.168.0.0/16'], '192.169.0.1')).toBe(false);
    expect(ipAllowed(['2001:db8::/32'], '2001:db9::1')).toBe(false);
    expect(ipAllowed(['127.0.0.1/32'], undefined)).toBe(false);
  });
});
