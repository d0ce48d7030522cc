import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { generateSync } from 'otplib';

import { SmtpSink } from '../fakes/smtp-sink';
import { AppProcess, Balancer, PrivatePostgres, PrivateRedis, ROOT, ensureBuilt, sleep, waitFor } from './infra';

/** The public host name in mailed links; the journeys' browser resolves it to the balancer. */
export const FLEET_HOST = 'fleet.latchkey.test';
export const DEMO_PASSWORD = 'violet-anchor-tundra-42';
export const SERVICE_TOKEN = `fleet-${randomBytes(24).toString('hex')}`;
export const METRICS_TOKEN = `metrics-${randomBytes(16).toString('hex')}`;

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API, asserted field by field
  body: any;
  ms: number;
  headers: Headers;
}

/** 2 API + 2 worker processes behind HAProxy over a private PostgreSQL, Redis and SMTP sink. */
export class Fleet {
  readonly pg = new PrivatePostgres();
  readonly redis = new PrivateRedis();
  readonly mail = new SmtpSink();
  readonly lb = new Balancer();
  apis: AppProcess[] = [];
  workers: AppProcess[] = [];

  env(): Record<string, string> {
    return {
      // Production mode, as operators run it: its refusals apply (plain http is allowed only because
      // the balancer stands in for a TLS proxy here; no SMS provider, so SMS is switched off).
      NODE_ENV: 'production',
      PUBLIC_URL: `http://${FLEET_HOST}`,
      ALLOW_HTTP_PUBLIC_URL: 'true',
      SMS_ENABLED: 'false',
      DATABASE_URL: this.pg.url,
      REDIS_URL: this.redis.url,
      SMTP_URL: this.mail.url,
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      SERVICE_TOKEN,
      METRICS_TOKEN,
      MFA_RESET_COOLDOWN_HOURS: '0.001',
      LOGIN_IP_LIMIT: '40',
      LOGIN_MAX_FAILURES: '5',
      TRUSTED_PROXIES: '127.0.0.1',
      SHUTDOWN_DRAIN_MS: '1500',
      NOTIFICATION_BACKOFF_MS: '200',
      LOG_LEVEL: 'warn',
      DATA_DIR: path.join(this.pg.dir, 'data-dir'),
    };
  }

  async start(): Promise<this> {
    ensureBuilt();
    await Promise.all([this.pg.start(), this.redis.start(), this.mail.start()]);
    execFileSync(process.execPath, [path.join(ROOT, 'dist/apps/cli/src/main.js'), 'seed:demo'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env() },
      stdio: 'pipe',
    });
    this.apis = [new AppProcess('api', this.env()), new AppProcess('api', this.env())];
    this.workers = [new AppProcess('worker', this.env()), new AppProcess('worker', this.env())];
    await Promise.all([...this.apis, ...this.workers].map((p) => p.start()));
    await this.lb.start(this.apis.map((a) => a.port));
    await waitFor('both APIs behind the balancer', async () => (await this.get('/ready')).status === 200, 30_000);
    return this;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.apis, ...this.workers].map((p) => p.signal('SIGKILL', 5_000)));
    await this.lb.stop();
    await this.redis.stop();
    this.pg.stop();
    await this.mail.close();
  }

  /** One request through the balancer (or to one instance); a request slower than 10 s counts as hung. */
  async request(
    method: string,
    url: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string>; base?: string; timeoutMs?: number } = {},
  ): Promise<Answer> {
    const started = Date.now();
    const res = await fetch(`${options.base ?? this.lb.url}${url}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (metrics, CSV)
    }
    return { status: res.status, body, ms: Date.now() - started, headers: res.headers };
  }

  get(url: string, token?: string) {
    return this.request('GET', url, { token });
  }

  post(url: string, body: unknown, token?: string, headers?: Record<string, string>) {
    return this.request('POST', url, { body, token, headers });
  }

  async signIn(email: string, password = DEMO_PASSWORD, ip?: string): Promise<Answer> {
    return this.post('/api/v1/auth/login', { email, password }, undefined, ip ? { 'X-Forwarded-For': ip } : undefined);
  }

  async session(email: string, password = DEMO_PASSWORD): Promise<{ token: string; userId: string; sessionId: string }> {
    const res = await this.signIn(email, password, randomIp());
    if (res.status !== 200 || res.body.status !== 'authenticated') {
      throw new Error(`sign-in of ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return { token: res.body.session.token, userId: res.body.user.id, sessionId: res.body.session.id };
  }

  /** Sign-in of a user with an authenticator (the demo staff): the password, then a current code. */
  async sessionWithTotp(email: string, secret: string): Promise<{ token: string; userId: string; sessionId: string }> {
    const challenge = await this.signIn(email, DEMO_PASSWORD, randomIp());
    if (challenge.status !== 200 || challenge.body.status !== 'mfa_required') {
      throw new Error(`sign-in of ${email}: ${challenge.status} ${JSON.stringify(challenge.body)}`);
    }
    const res = await this.post('/api/v1/auth/login/mfa', {
      challengeId: challenge.body.challengeId,
      method: 'totp',
      code: generateSync({ secret }),
    });
    if (res.status !== 200 || res.body.status !== 'authenticated') {
      throw new Error(`second step of ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return { token: res.body.session.token, userId: res.body.user.id, sessionId: res.body.session.id };
  }

  async metrics(base: string): Promise<string> {
    const res = await this.request('GET', '/metrics', { base, headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    if (res.status !== 200) {
      throw new Error(`/metrics at ${base}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as string;
  }

  /** Mails whose subject names one of the given host event markers, grouped by marker. */
  deliveries(markers: Set<string>): Map<string, number> {
    const seen = new Map<string, number>();
    for (const m of this.mail.messages) {
      const marker = /Unusual usage: (\S+)/.exec(m.subject)?.[1];
      if (marker && markers.has(marker)) {
        seen.set(marker, (seen.get(marker) ?? 0) + 1);
      }
    }
    return seen;
  }
}

/** A fresh documentation address (RFC 5737) per caller, so per-IP limits of one scenario do not touch another. */
export function randomIp(): string {
  return `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) {
      continue;
    }
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) {
      continue;
    }
    const have = Object.fromEntries(
      (m[3] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k, v.replace(/^"|"$/g, '')];
        }),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      total += Number(m[4]);
    }
  }
  return total;
}

function whoAnswered(res: Answer): string {
  const body = res.body as { code?: string; requestId?: string } | string | undefined;
  const from = `${res.headers.get('content-type') ?? 'no content-type'}`;
  if (body && typeof body === 'object') {
    return `${from} ${body.code ?? JSON.stringify(body).slice(0, 200)} request ${body.requestId ?? res.headers.get('x-request-id') ?? '-'}`;
  }
  return `${from} ${String(body ?? '').slice(0, 200)}`;
}

/** Runs `task` in `concurrency` loops until `until()` is true; records every outcome. */
export class Load {
  /** `detail` (5xx only): the answer's problem code and request id, or its first bytes, so a failure names who answered. */
  readonly outcomes: Array<{ what: string; status: number | 'error' | 'timeout'; ms: number; at: number; detail?: string }> = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  start(what: string, concurrency: number, task: () => Promise<Answer>): this {
    for (let i = 0; i < concurrency; i++) {
      this.loops.push(
        (async () => {
          while (!this.stopped) {
            const at = Date.now();
            try {
              const res = await task();
              this.outcomes.push({ what, status: res.status, ms: res.ms, at, ...(res.status >= 500 ? { detail: whoAnswered(res) } : {}) });
            } catch (err) {
              const name = (err as Error).name;
              this.outcomes.push({ what, status: name === 'TimeoutError' ? 'timeout' : 'error', ms: Date.now() - at, at });
              await sleep(50);
            }
          }
        })(),
      );
    }
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  of(what: string) {
    return this.outcomes.filter((o) => o.what === what);
  }
}
