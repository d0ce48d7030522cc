import { ConfigValidationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs on the embedded defaults with nothing set', () => {
    const sut = loadConfig({});
    expect(sut.http.port).toBe(3000);
    expect(sut.db.url).toBeUndefined();
    expect(sut.redis.url).toBeUndefined();
    expect(sut.http.publicUrl).toBe('http://localhost:3000');
    expect(sut.support.mfaResetCooldownHours).toBe(72);
  });

  it('names the bad variable and what it got', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*got "eighty"/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: '-1', REDIS_URL: 'http://nope', MFA_RESET_COOLDOWN_HOURS: 'soon' });
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigValidationError);
      const names = (e as ConfigValidationError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['MFA_RESET_COOLDOWN_HOURS', 'PORT', 'REDIS_URL']);
    }
  });

  it('refuses the development defaults in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL: required when NODE_ENV=production/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/lk',
        REDIS_URL: 'redis://r:6379',
        DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        PUBLIC_URL: 'http://localhost:3000',
      }),
    ).toThrow(/PUBLIC_URL: a localhost URL/);
  });

  it('refuses an encryption key that is not 32 bytes', () => {
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/DATA_ENCRYPTION_KEY/);
  });

  it('accepts fractional cool-downs for tests', () => {
    expect(loadConfig({ MFA_RESET_COOLDOWN_HOURS: '0.001' }).support.mfaResetCooldownHours).toBe(0.001);
  });

  it('wants all Twilio settings or none', () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32) })).toThrow(/set all three or none/);
  });

  it('points every emailed link at the console under PUBLIC_URL by default', () => {
    const sut = loadConfig({ PUBLIC_URL: 'https://id.example.com/' });
    expect(sut.links.reset_password).toBe('https://id.example.com/admin/#/reset-password?token={token}');
    expect(sut.links.notification_preferences).toBe('https://id.example.com/admin/#/me/notifications');
  });

  it('lets a host application point a link kind at its own page', () => {
    const sut = loadConfig({ LINK_RESET_PASSWORD: 'https://app.example.com/reset?token={token}' });
    expect(sut.links.reset_password).toBe('https://app.example.com/reset?token={token}');
    expect(sut.links.verify_email).toBe('http://localhost:3000/admin/#/verify-email?token={token}');
  });

  it('refuses a link setting that is not an http(s) URL, lacks {token}, or has one where no token goes', () => {
    try {
      loadConfig({
        LINK_VERIFY_EMAIL: 'javascript:alert(1)//{token}',
        LINK_RESET_PASSWORD: 'https://app.example.com/reset',
        LINK_ACCEPT_INVITATION: 'https://app.example.com/join?a={token}&b={token}',
        LINK_SECURITY_SETTINGS: 'https://app.example.com/security?t={token}',
      });
      throw new Error('expected a failure');
    } catch (e) {
      const problems = (e as ConfigValidationError).problems;
      expect(problems).toEqual([
        expect.stringMatching(/^LINK_VERIFY_EMAIL: must be an http\(s\) URL template \(got "javascript:alert\(1\)\/\/\{token\}"\)$/),
        expect.stringMatching(/^LINK_RESET_PASSWORD: must contain \{token\} exactly once/),
        expect.stringMatching(/^LINK_ACCEPT_INVITATION: must contain \{token\} exactly once/),
        expect.stringMatching(/^LINK_SECURITY_SETTINGS: this link carries no token/),
      ]);
    }
  });

  it('refuses a localhost link target in production', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/lk',
        REDIS_URL: 'redis://r:6379',
        DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        PUBLIC_URL: 'https://id.example.com',
        LINK_SIGN_IN: 'http://localhost:8080/login',
      }),
    ).toThrow(/LINK_SIGN_IN: a localhost URL/);
  });
});
