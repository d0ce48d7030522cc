import { WebhookUrlError, checkWebhookUrl, isBlockedAddress, resolveWebhookHost } from './url-guard';

describe('webhook URL guard (SSRF)', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.0.0.8', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['::', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', false],
    ['64:ff9b::169.254.169.254', true],
    ['93.184.215.14', false],
    ['2606:4700::6810:84e5', false],
    ['172.32.0.1', false],
  ])('%s blocked: %s', (ip, blocked) => {
    expect(isBlockedAddress(ip)).toBe(blocked);
  });

  it('refuses a host name that resolves to loopback, unless private addresses are allowed', async () => {
    await expect(resolveWebhookHost('localhost', false)).rejects.toBeInstanceOf(WebhookUrlError);
    await expect(resolveWebhookHost('localhost', true)).resolves.toMatchObject({ address: expect.any(String) });
  });

  it('needs https (http only where private addresses are allowed), no credentials', () => {
    expect(() => checkWebhookUrl('http://hooks.example.com/x', false)).toThrow('must use https');
    expect(checkWebhookUrl('http://hooks.example.com/x', true).hostname).toBe('hooks.example.com');
    expect(() => checkWebhookUrl('https://a:b@hooks.example.com/x', false)).toThrow('credentials');
    expect(() => checkWebhookUrl('not a url', false)).toThrow('is not a URL');
  });
});
