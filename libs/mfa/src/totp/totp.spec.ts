import { Totp } from './totp';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('Totp wrapper', () => {
  const seeds = {
    sha1: bytes('12345678901234567890'),
    sha256: bytes('12345678901234567890123456789012'),
    sha512: bytes('1234567890123456789012345678901234567890123456789012345678901234'),
  } as const;

  // RFC 6238, appendix B.
  const vectors: Array<[number, string, string, string]> = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  it.each(vectors)('matches the RFC 6238 vectors at T=%s', (epoch, sha1, sha256, sha512) => {
    expect(Totp.generate(seeds.sha1, epoch, { digits: 8 })).toBe(sha1);
    expect(Totp.generate(seeds.sha256, epoch, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(Totp.generate(seeds.sha512, epoch, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
  });

  it('generates a 160-bit base32 secret', () => {
    const secret = Totp.generateSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('accepts one step of drift either way and reports the matched step', () => {
    const secret = Totp.generateSecret();
    const now = 1_700_000_000;
    const step = Math.floor(now / 30);
    expect(Totp.verify(secret, Totp.generate(secret, now), now)).toBe(step);
    expect(Totp.verify(secret, Totp.generate(secret, now - 30), now)).toBe(step - 1);
    expect(Totp.verify(secret, Totp.generate(secret, now + 30), now)).toBe(step + 1);
    expect(Totp.verify(secret, Totp.generate(secret, now - 90), now)).toBeUndefined();
  });

  it('answers malformed codes with no match instead of throwing', () => {
    const secret = Totp.generateSecret();
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 456']) {
      expect(Totp.verify(secret, bad, 1_700_000_000)).toBeUndefined();
    }
  });
});
