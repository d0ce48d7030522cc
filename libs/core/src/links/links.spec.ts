import { loadConfig } from '../config/app-config';
import { Links } from './links';

describe('Links', () => {
  it('puts the token, URL-encoded, where the template says', () => {
    const sut = new Links(
      loadConfig({ PUBLIC_URL: 'https://id.example.com', LINK_ACCEPT_INVITATION: 'https://app.example.com/join/{token}?x=1' }),
    );
    expect(sut.build('reset_password', 'abc_-DEF')).toBe('https://id.example.com/admin/#/reset-password?token=abc_-DEF');
    expect(sut.build('accept_invitation', 'a+b/c$&')).toBe('https://app.example.com/join/a%2Bb%2Fc%24%26?x=1');
  });

  it('gives the plain links for templates and refuses a token link without its token', () => {
    const sut = new Links(loadConfig({ PUBLIC_URL: 'https://id.example.com' }));
    expect(sut.plain()).toEqual({
      notification_preferences: 'https://id.example.com/admin/#/me/notifications',
      security_settings: 'https://id.example.com/admin/#/me/security',
      privacy_settings: 'https://id.example.com/admin/#/me/privacy',
      api_key_settings: 'https://id.example.com/admin/#/me/api-keys',
      connected_accounts: 'https://id.example.com/admin/#/me/connected-accounts',
      forgot_password: 'https://id.example.com/admin/#/forgot-password',
      sign_in: 'https://id.example.com/admin/#/login',
    });
    expect(() => (sut.build as (k: string, t?: string) => string)('verify_email')).toThrow(/needs a token/);
  });
});
