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
});
