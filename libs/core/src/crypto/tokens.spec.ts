import { constantTimeEqual, hashToken, randomDigits, randomToken } from './tokens';

describe('tokens', () => {
  it('makes 256-bit tokens that never repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => randomToken()));
    expect(seen.size).toBe(1000);
    expect(Buffer.from(randomToken(), 'base64url')).toHaveLength(32);
  });

  it('hashes deterministically and one-way', () => {
    expect(hashToken('abc')).toBe(hashToken('abc'));
    expect(hashToken('abc')).not.toContain('abc');
    expect(hashToken('abc')).toHaveLength(64);
  });

  it('compares in constant time and correctly', () => {
    expect(constantTimeEqual('123456', '123456')).toBe(true);
    expect(constantTimeEqual('123456', '123457')).toBe(false);
    expect(constantTimeEqual('12345', '123456')).toBe(false);
  });

  it('makes zero-padded numeric codes', () => {
    for (let i = 0; i < 200; i++) {
      expect(randomDigits(6)).toMatch(/^\d{6}$/);
    }
  });
});
