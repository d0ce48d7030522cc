import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

import { LinkKind, resolveLinkTemplates } from '../links/link-kinds';
import { AbuseLimits, loadAbuseLimits } from './abuse-limits';
import { IdentityProviderSettings, resolveIdentityProviders } from './identity-providers';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toNum = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Every environment variable Latchkey reads. Nothing else in the code reads process.env. */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toNum) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http(s) URL' })
  PUBLIC_URL?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// URL' })
  REDIS_URL?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^smtps?:\/\/\S+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;
  @IsOptional() @IsString() MAIL_FROM?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'must look like AC followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() TWILIO_AUTH_TOKEN?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'must be an E.164 number' })
  TWILIO_FROM?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  TWILIO_API_BASE?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() DATA_ENCRYPTION_KEY?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(32) SERVICE_TOKEN?: string;
  @IsOptional() @Transform(toNum) @IsNumber() @Min(0) MFA_RESET_COOLDOWN_HOURS?: number;
  @IsOptional() @Transform(toNum) @IsNumber() @Min(0) @Max(365) DELETION_GRACE_DAYS?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(50) NOTIFICATION_MAX_ATTEMPTS?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) NOTIFICATION_BACKOFF_MS?: number;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  DISCORD_API_BASE?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() REGISTRATION_ENABLED?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() SMS_ENABLED?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() WEBHOOKS_ALLOW_PRIVATE?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() ALLOW_HTTP_PUBLIC_URL?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() REQUIRE_VERIFIED_EMAIL?: boolean;
  @IsOptional() @Transform(toNum) @IsInt() @Min(60) SESSION_IDLE_SECONDS?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() API_KEYS_ALLOW_NO_EXPIRY?: boolean;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(1_000_000) API_KEY_REQUESTS_PER_MINUTE?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(60) SESSION_ABSOLUTE_SECONDS?: number;
  @IsOptional() @IsString() CONSOLE_ORIGIN?: string;
  @IsOptional() @IsString() TRUSTED_PROXIES?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsString() TOTP_ISSUER?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z0-9.-]+$/i, { message: 'must be a host name without scheme or port, like id.example.com' })
  WEBAUTHN_RP_ID?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() WEBAUTHN_RP_NAME?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() WEBAUTHN_ORIGINS?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(64) HASH_CONCURRENCY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(0) @Max(19) HASH_NICE?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(100_000) SIGN_IN_QUEUE_LIMIT?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(50) @Max(60_000) SIGN_IN_MAX_WAIT_MS?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(100) LOGIN_MAX_FAILURES?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) LOGIN_IP_LIMIT?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(0) @Max(120_000) SHUTDOWN_DRAIN_MS?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(2) @Max(500) DATABASE_POOL_SIZE?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(24) METRICS_TOKEN?: string;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(65535) METRICS_PORT?: number;
  // LINK_<KIND> (one per emailed link kind, links/link-kinds.ts) are checked by resolveLinkTemplates.
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: {
    port: number;
    host: string;
    publicUrl: string;
    consoleOrigins: string[];
    trustedProxies: string[];
    secureCookies: boolean;
    /** Cookie names: `__Host-` prefixed on https (no Domain, Path=/, Secure: a subdomain cannot plant them). */
    cookiePrefix: '' | '__Host-';
    /** After SIGTERM: how long /ready answers 503 while requests are still served, before the listener closes. */
    shutdownDrainMs: number;
  };
  /** Prometheus: /metrics on the API port behind a bearer token, and/or a separate plain listener. */
  metrics: { token?: string; port?: number };
  db: { url?: string; dataDir: string; poolSize: number };
  redis: { url?: string; prefix: string };
  mail: { smtpUrl?: string; from: string; outboxDir: string };
  /** enabled=false (SMS_ENABLED): no text is sent or written anywhere; SMS codes answer 503. */
  twilio: { enabled: boolean; accountSid?: string; authToken?: string; from?: string; apiBase?: string; outboxDir: string };
  auth: {
    registrationEnabled: boolean;
    sessionIdleSeconds: number;
    sessionAbsoluteSeconds: number;
    hashConcurrency: number;
    /** How much lower the hash threads' CPU priority is than the rest of the process (0-19, Linux nice). */
    hashNice: number;
    /** Sign-ins waiting for or in the hash pool before more are shed with 503; 0: from signInMaxWaitMs. */
    signInQueueLimit: number;
    /** The longest a sign-in may wait for the hash pool; more are shed with 503 and Retry-After. */
    signInMaxWaitMs: number;
    totpIssuer: string;
    /**
     * Passkeys (WebAuthn): the relying party id (WEBAUTHN_RP_ID, default PUBLIC_URL's host name),
     * its display name, and the page origins an assertion may come from (WEBAUTHN_ORIGINS, comma
     * separated; default PUBLIC_URL's origin and the console origins).
     */
    webauthn: { rpId: string; rpName: string; origins: string[] };
    /** Failed sign-ins per email within 15 minutes before it is locked. */
    loginMaxFailures: number;
    /** Sign-in attempts per IP within 15 minutes. */
    loginIpLimit: number;
    /** REQUIRE_VERIFIED_EMAIL: sign-in refuses an address that was never verified (default on in production). */
    requireVerifiedEmail: boolean;
  };
  crypto: { dataEncryptionKey?: string };
  /**
   * Personal access tokens: allowNoExpiry (API_KEYS_ALLOW_NO_EXPIRY, off by default) lets a user
   * create a key that never expires; requestsPerMinute (API_KEY_REQUESTS_PER_MINUTE) caps each key.
   */
  apiKeys: { allowNoExpiry: boolean; requestsPerMinute: number };
  serviceToken?: string;
  support: { mfaResetCooldownHours: number };
  /** DELETION_GRACE_DAYS: days between DELETE /me and the erasure, during which the user can cancel (fractions allowed, for tests). */
  privacy: { deletionGraceDays: number };
  /** Delivery retries; discordApiBase re-targets Discord webhooks and is honoured only when NODE_ENV=test. */
  notifications: { maxAttempts: number; backoffMs: number; discordApiBase?: string };
  /** Security webhooks: allowPrivate (WEBHOOKS_ALLOW_PRIVATE) lets endpoints resolve to private, loopback or link-local addresses. */
  webhooks: { allowPrivate: boolean };
  /** Sign-in providers with their settings (identity-providers.ts); none configured: the feature is hidden. */
  identityProviders: IdentityProviderSettings[];
  logLevel: string;
  /** URL template of every emailed link kind: LINK_<KIND>, else PUBLIC_URL + the console page. */
  links: Record<LinkKind, string>;
  /** Caps on mails and texts a stranger can trigger (abuse-limits.ts). */
  abuse: AbuseLimits;
}

const DEFAULT_DATA_DIR = './.data';

/**
 * Validates the whole environment once. Throws ConfigValidationError naming every bad variable,
 * so a misconfigured start stops with a message instead of failing later.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = plainToInstance(EnvironmentVariables, { ...env }, { enableImplicitConversion: false });
  const errors = validateSync(parsed, { skipMissingProperties: false, whitelist: false });
  const problems = errors.map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')} (got ${JSON.stringify(env[e.property])})`,
  );
  const nodeEnv = (parsed.NODE_ENV ?? 'development') as AppConfig['env'];
  const key = parsed.DATA_ENCRYPTION_KEY;
  if (key !== undefined && Buffer.from(key, 'base64').length !== 32) {
    problems.push('DATA_ENCRYPTION_KEY: must be 32 random bytes, base64-encoded');
  }
  if (nodeEnv === 'production') {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'DATA_ENCRYPTION_KEY', 'PUBLIC_URL'] as const) {
      if (!parsed[name]) {
        problems.push(`${name}: required when NODE_ENV=production (the embedded development default is refused)`);
      }
    }
    if (parsed.PUBLIC_URL && /localhost|127\.0\.0\.1/.test(parsed.PUBLIC_URL)) {
      problems.push('PUBLIC_URL: a localhost URL is a development default, refused in production');
    }
    if (parsed.PUBLIC_URL?.startsWith('http://') && parsed.ALLOW_HTTP_PUBLIC_URL !== true) {
      problems.push(
        'PUBLIC_URL: an http:// URL sends session cookies without Secure; use https://, or set ALLOW_HTTP_PUBLIC_URL=true only behind a TLS proxy',
      );
    }
    if (!parsed.SMTP_URL) {
      problems.push('SMTP_URL: required when NODE_ENV=production (mail, reset links included, would be written to a folder)');
    }
    if (!parsed.TWILIO_ACCOUNT_SID && parsed.SMS_ENABLED !== false) {
      problems.push(
        'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: required when NODE_ENV=production (texts would be written to a folder), or set SMS_ENABLED=false',
      );
    }
  }
  if (nodeEnv !== 'test') {
    // Re-targeting the SMS and Discord clients exists for the fakes in the e2e suite only.
    for (const name of ['TWILIO_API_BASE', 'DISCORD_API_BASE'] as const) {
      if (parsed[name]) {
        problems.push(`${name}: only for tests (NODE_ENV=test); unset it`);
      }
    }
  }
  const port = parsed.PORT ?? 3000;
  const publicUrl = (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const links = resolveLinkTemplates(env, publicUrl, problems, nodeEnv === 'production');
  const abuse = loadAbuseLimits(env, problems);
  const twilioSet = [parsed.TWILIO_ACCOUNT_SID, parsed.TWILIO_AUTH_TOKEN, parsed.TWILIO_FROM].filter(Boolean).length;
  if (twilioSet > 0 && twilioSet < 3) {
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: set all three or none');
  }
  const webauthn = webauthnSettings(parsed, publicUrl, problems);
  const identityProviders = resolveIdentityProviders(env, problems);
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  const dataDir = parsed.DATA_DIR ?? DEFAULT_DATA_DIR;
  return {
    env: nodeEnv,
    http: {
      port,
      host: parsed.HOST ?? '0.0.0.0',
      publicUrl,
      consoleOrigins: (parsed.CONSOLE_ORIGIN ?? publicUrl)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      trustedProxies: (parsed.TRUSTED_PROXIES ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      secureCookies: publicUrl.startsWith('https://'),
      cookiePrefix: publicUrl.startsWith('https://') ? '__Host-' : '',
      shutdownDrainMs: parsed.SHUTDOWN_DRAIN_MS ?? (nodeEnv === 'production' ? 5000 : 0),
    },
    metrics: { token: parsed.METRICS_TOKEN, port: parsed.METRICS_PORT },
    db: { url: parsed.DATABASE_URL, dataDir, poolSize: parsed.DATABASE_POOL_SIZE ?? 20 },
    redis: { url: parsed.REDIS_URL, prefix: 'latchkey' },
    mail: {
      smtpUrl: parsed.SMTP_URL,
      from: parsed.MAIL_FROM ?? 'Latchkey <no-reply@latchkey.local>',
      outboxDir: `${dataDir}/outbox/mail`,
    },
    twilio: {
      enabled: parsed.SMS_ENABLED ?? true,
      accountSid: parsed.TWILIO_ACCOUNT_SID,
      authToken: parsed.TWILIO_AUTH_TOKEN,
      from: parsed.TWILIO_FROM,
      apiBase: parsed.TWILIO_API_BASE,
      outboxDir: `${dataDir}/outbox/sms`,
    },
    auth: {
      registrationEnabled: parsed.REGISTRATION_ENABLED ?? true,
      sessionIdleSeconds: parsed.SESSION_IDLE_SECONDS ?? 60 * 60 * 24 * 7,
      sessionAbsoluteSeconds: parsed.SESSION_ABSOLUTE_SECONDS ?? 60 * 60 * 24 * 30,
      hashConcurrency: parsed.HASH_CONCURRENCY ?? 0,
      hashNice: parsed.HASH_NICE ?? 19,
      signInQueueLimit: parsed.SIGN_IN_QUEUE_LIMIT ?? 0,
      signInMaxWaitMs: parsed.SIGN_IN_MAX_WAIT_MS ?? 1000,
      totpIssuer: parsed.TOTP_ISSUER ?? 'Latchkey',
      webauthn,
      loginMaxFailures: parsed.LOGIN_MAX_FAILURES ?? 5,
      loginIpLimit: parsed.LOGIN_IP_LIMIT ?? 100,
      requireVerifiedEmail: parsed.REQUIRE_VERIFIED_EMAIL ?? nodeEnv === 'production',
    },
    crypto: { dataEncryptionKey: key },
    apiKeys: { allowNoExpiry: parsed.API_KEYS_ALLOW_NO_EXPIRY ?? false, requestsPerMinute: parsed.API_KEY_REQUESTS_PER_MINUTE ?? 600 },
    serviceToken: parsed.SERVICE_TOKEN,
    support: { mfaResetCooldownHours: parsed.MFA_RESET_COOLDOWN_HOURS ?? 72 },
    privacy: { deletionGraceDays: parsed.DELETION_GRACE_DAYS ?? 14 },
    notifications: {
      maxAttempts: parsed.NOTIFICATION_MAX_ATTEMPTS ?? 5,
      backoffMs: parsed.NOTIFICATION_BACKOFF_MS ?? 2000,
      discordApiBase: parsed.DISCORD_API_BASE,
    },
    webhooks: { allowPrivate: parsed.WEBHOOKS_ALLOW_PRIVATE ?? false },
    identityProviders,
    logLevel: parsed.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    links,
    abuse,
  };
}

function webauthnSettings(parsed: EnvironmentVariables, publicUrl: string, problems: string[]): AppConfig['auth']['webauthn'] {
  if (!URL.canParse(publicUrl)) {
    return { rpId: 'localhost', rpName: 'Latchkey', origins: [] }; // PUBLIC_URL or PORT is reported already
  }
  const base = new URL(publicUrl);
  const rpId = (parsed.WEBAUTHN_RP_ID ?? base.hostname).toLowerCase();
  // A browser refuses a passkey whose RP id is neither the page's host nor a suffix of it.
  const onRpId = (origin: string) => {
    const host = URL.canParse(origin) ? new URL(origin).hostname : undefined;
    return host !== undefined && (host === rpId || host.endsWith(`.${rpId}`));
  };
  const listed = (value: string) =>
    value
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean);
  if (parsed.WEBAUTHN_ORIGINS) {
    const origins = listed(parsed.WEBAUTHN_ORIGINS);
    for (const origin of origins.filter((o) => !onRpId(o))) {
      problems.push(`WEBAUTHN_ORIGINS: ${origin} is not an origin on the relying party id ${rpId} (WEBAUTHN_RP_ID) or a subdomain of it`);
    }
    return { rpId, rpName: parsed.WEBAUTHN_RP_NAME ?? parsed.TOTP_ISSUER ?? 'Latchkey', origins };
  }
  if (parsed.WEBAUTHN_RP_ID && !onRpId(base.origin)) {
    problems.push(`WEBAUTHN_RP_ID: ${rpId} is neither PUBLIC_URL's host nor a parent domain of it; set WEBAUTHN_ORIGINS too`);
  }
  // By default: PUBLIC_URL's origin and the console origins that can use the RP id (others cannot).
  const origins = [...new Set([base.origin, ...listed(parsed.CONSOLE_ORIGIN ?? '').map((o) => (URL.canParse(o) ? new URL(o).origin : o))])];
  return { rpId, rpName: parsed.WEBAUTHN_RP_NAME ?? parsed.TOTP_ISSUER ?? 'Latchkey', origins: origins.filter(onRpId) };
}
