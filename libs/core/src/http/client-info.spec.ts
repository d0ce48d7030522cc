import { describeClient, isPrivateAddress, locate } from './client-info';

describe('describeClient', () => {
  it('reads browser, OS and device type from the user agent', () => {
    const sut = describeClient(
      '127.0.0.1',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    );
    expect(sut.browser).toMatch(/Safari/);
    expect(sut.os).toMatch(/iOS/);
    expect(sut.deviceType).toBe('mobile');
  });

  it('says unknown for private and loopback addresses', () => {
    expect(locate('10.1.2.3')).toBe('unknown');
    expect(locate('192.168.0.9')).toBe('unknown');
    expect(locate('::1')).toBe('unknown');
    expect(isPrivateAddress('172.20.0.1')).toBe(true);
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
  });

  it('finds a country for a public address offline', () => {
    expect(locate('8.8.8.8')).toMatch(/^[A-Z]{2}$/);
  });
});
