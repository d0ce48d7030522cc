import { checkPassword } from './password-policy';

describe('checkPassword', () => {
  it('accepts a long unusual passphrase', () => {
    expect(checkPassword('violet-anchor-tundra-42', 'ana@example.com')).toBeUndefined();
  });

  it('refuses short and overlong passwords', () => {
    expect(checkPassword('Ab1!x', undefined)?.message).toMatch(/at least 8/);
    expect(checkPassword('x'.repeat(129), undefined)?.message).toMatch(/at most 128/);
  });

  it('refuses the most common passwords whatever the case', () => {
    expect(checkPassword('password1', undefined)?.message).toMatch(/common/);
    expect(checkPassword('Qwertyuiop', undefined)?.message).toMatch(/common/);
  });

  it('refuses passwords containing the email', () => {
    expect(checkPassword('xx-ana.lopez-2026!', 'Ana.Lopez@example.com')?.message).toMatch(/email/);
  });

  it('names the field it checked', () => {
    expect(checkPassword('short', undefined, 'newPassword')?.field).toBe('newPassword');
  });
});
