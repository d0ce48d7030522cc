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

  describe('production refuses what is only safe in development', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/lk',
      REDIS_URL: 'redis://r:6379',
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      PUBLIC_URL: 'https://id.example.com',
      SMTP_URL: 'smtp://mail:25',
      TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
      TWILIO_AUTH_TOKEN: 'auth-token',
      TWILIO_FROM: '+14155550100',
    };

    function problemsOf(env: Record<string, string | undefined>): string[] {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigValidationError).problems;
      }
    }

    it('starts with real mail, SMS, https and no test-only settings, with secure __Host- cookies and verified sign-in', () => {
      const sut = loadConfig(production);
      expect(sut.http.secureCookies).toBe(true);
      expect(sut.http.cookiePrefix).toBe('__Host-');
      expect(sut.auth.requireVerifiedEmail).toBe(true);
      expect(sut.twilio.enabled).toBe(true);
    });

    it('refuses SMS written to a folder unless the SMS channel is explicitly off', () => {
      const env = { ...production, TWILIO_ACCOUNT_SID: undefined, TWILIO_AUTH_TOKEN: undefined, TWILIO_FROM: undefined };
      expect(problemsOf(env)).toEqual([
        expect.stringMatching(/^TWILIO_ACCOUNT_SID, .*required when NODE_ENV=production.*SMS_ENABLED=false/),
      ]);
      expect(loadConfig({ ...env, SMS_ENABLED: 'false' }).twilio.enabled).toBe(false);
    });

    it('refuses mail written to a folder', () => {
      expect(problemsOf({ ...production, SMTP_URL: undefined })).toEqual([
        expect.stringMatching(/^SMTP_URL: required when NODE_ENV=production/),
      ]);
    });

    it.each(['TWILIO_API_BASE', 'DISCORD_API_BASE'])('refuses %s outside tests (production and development)', (name) => {
      expect(problemsOf({ ...production, [name]: 'http://127.0.0.1:9999' })).toEqual([`${name}: only for tests (NODE_ENV=test); unset it`]);
      expect(problemsOf({ NODE_ENV: 'development', [name]: 'http://127.0.0.1:9999' })).toEqual([
        `${name}: only for tests (NODE_ENV=test); unset it`,
      ]);
      expect(problemsOf({ NODE_ENV: 'test', [name]: 'http://127.0.0.1:9999' })).toEqual([]);
    });

    it('refuses an http PUBLIC_URL unless allowed behind a TLS proxy, and then sets no __Host- prefix', () => {
      expect(problemsOf({ ...production, PUBLIC_URL: 'http://id.example.com' })).toEqual([
        expect.stringMatching(/^PUBLIC_URL: an http:\/\/ URL sends session cookies without Secure.*ALLOW_HTTP_PUBLIC_URL=true/),
      ]);
      const allowed = loadConfig({ ...production, PUBLIC_URL: 'http://id.example.com', ALLOW_HTTP_PUBLIC_URL: 'true' });
      expect(allowed.http).toMatchObject({ secureCookies: false, cookiePrefix: '' });
    });

    it('requires a verified email for sign-in by default in production only, and lets either default be changed', () => {
      expect(loadConfig({}).auth.requireVerifiedEmail).toBe(false);
      expect(loadConfig({ NODE_ENV: 'test' }).auth.requireVerifiedEmail).toBe(false);
      expect(loadConfig({ REQUIRE_VERIFIED_EMAIL: 'true' }).auth.requireVerifiedEmail).toBe(true);
      expect(loadConfig({ ...production, REQUIRE_VERIFIED_EMAIL: 'false' }).auth.requireVerifiedEmail).toBe(false);
    });

    it('refuses a SERVICE_TOKEN shorter than 32 characters', () => {
      expect(problemsOf({ SERVICE_TOKEN: 'short-token' })).toEqual([expect.stringMatching(/^SERVICE_TOKEN: .*32/)]);
    });
  });

  describe('passkeys (WebAuthn)', () => {
    it('derives the RP id and origin from PUBLIC_URL, with console origins on that domain only', () => {
      const sut = loadConfig({
        PUBLIC_URL: 'https://id.example.com',
        CONSOLE_ORIGIN: 'https://admin.id.example.com,https://elsewhere.test',
      });
      expect(sut.auth.webauthn).toEqual({
        rpId: 'id.example.com',
        rpName: 'Latchkey',
        origins: ['https://id.example.com', 'https://admin.id.example.com'],
      });
    });

    it('takes an RP id that is a parent domain, and refuses origins a browser would not let use it', () => {
      const sut = loadConfig({ PUBLIC_URL: 'https://id.example.com', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_RP_NAME: 'Example' });
      expect(sut.auth.webauthn).toMatchObject({ rpId: 'example.com', rpName: 'Example', origins: ['https://id.example.com'] });
      expect(() => loadConfig({ PUBLIC_URL: 'https://id.example.com', WEBAUTHN_RP_ID: 'other.com' })).toThrow(/WEBAUTHN_RP_ID: other.com/);
      expect(() =>
        loadConfig({ PUBLIC_URL: 'https://id.example.com', WEBAUTHN_ORIGINS: 'https://id.example.com,https://evil.test' }),
      ).toThrow(/WEBAUTHN_ORIGINS: https:\/\/evil.test is not an origin on the relying party id id.example.com/);
    });
  });
});
