import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';

import { generateSync } from 'otplib';
import { Client } from 'pg';

import { tokenFrom } from '../fakes/smtp-sink';
import { ConsolePage, launchChromium } from '../console/pages/console.page';
import { MailView, PublicPages } from '../console/pages/public-pages.page';
import { ensureConsoleBuilt } from '../setup/console-build';
import { FLEET_HOST, Fleet, Load, metricValue, randomIp, SERVICE_TOKEN } from './fleet';
import { ROOT, sleep, waitFor } from './infra';

const MEMBER_TOTP = 'JBSWY3DPEHPK3PXPMFQWS3DMN5XXE43U';
/** The demo staff's authenticators, as libs/platform/src/demo-seed.ts seeds them. */
const DEMO_STAFF_TOTP_SECRETS: Record<string, string> = {
  'support@demo.latchkey.dev': 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA',
  'lead@demo.latchkey.dev': 'NNSWK4DTMVRXE2LUONQWMZLMN5XGOZLS',
};
const TICKETS = '/api/v1/support/tickets';

/**
 * Latchkey as a fleet: two `start:api` and two `start:worker` processes behind HAProxy, over one
 * PostgreSQL and one Redis of their own. What must hold across instances and through faults.
 */
describe('Fleet: real processes behind a load balancer', () => {
  const fleet = new Fleet();
  let ownerId: string;

  beforeAll(async () => {
    await fleet.start();
    ownerId = (await fleet.session('owner@demo.latchkey.dev')).userId;
  }, 300_000);

  afterAll(async () => {
    for (const p of [...fleet.apis, ...fleet.workers]) {
      if (p.errorLines.length) {
        process.stderr.write(`--- ${p.kind}:${p.port}\n${p.errorLines.slice(-30).join('\n')}\n`);
      }
    }
    await fleet.stop();
  }, 60_000);

  /** Publishes as a host would: idempotent by id, so a request lost on the wire is simply sent again. */
  async function publish(marker: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fleet.post(
          '/api/v1/events',
          { id: marker, type: 'usage.spike', userId: ownerId, data: { metric: marker, current: 10, usual: 1 } },
          SERVICE_TOKEN,
        );
      } catch (err) {
        if (attempt >= 3 || (err as Error).name === 'TimeoutError') {
          throw err;
        }
      }
    }
  }

  async function scrape() {
    const texts = await Promise.all([
      ...fleet.apis.map((a) => fleet.metrics(`http://127.0.0.1:${a.port}`)),
      ...fleet.workers.map((w) => fleet.metrics(`http://127.0.0.1:${w.metricsPort}`)),
    ]);
    return (name: string, labels: Record<string, string> = {}) => texts.reduce((sum, t) => sum + metricValue(t, name, labels), 0);
  }

  it('reports a known workload in /metrics', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      await fleet.session('owner@demo.latchkey.dev');
    }
    for (let i = 0; i < 2; i++) {
      expect((await fleet.signIn(`stranger-${randomUUID()}@example.com`, 'wrong-password-1', randomIp())).status).toBe(401);
    }
    const challenge = await fleet.signIn('member@demo.latchkey.dev', undefined, randomIp());
    expect(challenge.body.status).toBe('mfa_required');
    const bad = await fleet.post('/api/v1/auth/login/mfa', { challengeId: challenge.body.challengeId, method: 'totp', code: '000000' });
    expect(bad.status).toBe(400);
    const good = await fleet.post('/api/v1/auth/login/mfa', {
      challengeId: challenge.body.challengeId,
      method: 'totp',
      code: generateSync({ secret: MEMBER_TOTP }),
    });
    expect(good.body.status).toBe('authenticated');
    const keep = await fleet.session('admin@demo.latchkey.dev');
    const gone = await fleet.session('admin@demo.latchkey.dev');
    expect((await fleet.request('DELETE', `/api/v1/me/sessions/${gone.sessionId}`, { token: keep.token })).status).toBe(204);
    const markers = new Set(Array.from({ length: 5 }, () => `metric-${randomUUID().slice(0, 8)}`));
    for (const marker of markers) {
      expect((await publish(marker)).status).toBe(202);
    }
    await waitFor('the five deliveries', () => fleet.deliveries(markers).size === 5, 30_000);
    await sleep(500);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => after(name, labels) - before(name, labels);
    expect(delta('latchkey_sign_ins_total', { outcome: 'success' })).toBe(6);
    expect(delta('latchkey_sign_ins_total', { outcome: 'failure' })).toBe(2);
    expect(delta('latchkey_sign_ins_total', { outcome: 'mfa_required' })).toBe(1);
    expect(delta('latchkey_sign_ins_total', { outcome: 'mfa_failed' })).toBe(1);
    expect(delta('latchkey_second_factor_total', { method: 'totp', outcome: 'failure' })).toBe(1);
    expect(delta('latchkey_second_factor_total', { method: 'totp', outcome: 'success' })).toBe(1);
    expect(delta('latchkey_sessions_revoked_total', { reason: 'revoked' })).toBe(1);
    expect(delta('latchkey_password_hash_wait_seconds_count')).toBeGreaterThanOrEqual(8);
    expect(delta('latchkey_notification_deliveries_total', { channel: 'email', outcome: 'delivered' })).toBeGreaterThanOrEqual(5);
    expect(delta('latchkey_http_request_duration_seconds_count', { route: '/api/v1/auth/login', method: 'POST', status: '2xx' })).toBe(6);
    expect(delta('latchkey_http_request_duration_seconds_count', { route: '/api/v1/auth/login', method: 'POST', status: '4xx' })).toBe(2);
    // Gauges read from the database, the same on every instance.
    const api = await fleet.metrics(`http://127.0.0.1:${fleet.apis[0].port}`);
    expect(metricValue(api, 'latchkey_dead_letters')).toBe(0);
    expect(api).toMatch(/^latchkey_outbox_backlog\{status="pending"\} \d+$/m);
    expect(api).toMatch(/^latchkey_outbox_oldest_age_seconds \d/m);
    expect(api).toMatch(/^latchkey_support_tickets\{state="open"\} \d+$/m);
    expect(api).toMatch(/^latchkey_password_hash_queue_depth \d+$/m);
    expect(api).toMatch(/^latchkey_process_cpu_seconds_total /m);
    // Without the token the endpoint does not exist.
    expect((await fleet.request('GET', '/metrics')).status).toBe(404);
  });

  it('carries the request id from the API into the outbox row of the notification it caused', async () => {
    const requestId = `trace-${randomUUID()}`;
    const marker = `traced-${randomUUID().slice(0, 8)}`;
    const res = await fleet.request('POST', '/api/v1/events', {
      token: SERVICE_TOKEN,
      headers: { 'X-Request-Id': requestId },
      body: { id: marker, type: 'usage.spike', userId: ownerId, data: { metric: marker, current: 3, usual: 1 } },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const db = new Client({ connectionString: fleet.pg.url });
    await db.connect();
    try {
      const rows = await db.query(`SELECT request_id FROM notification_outbox WHERE idempotency_key LIKE $1`, [`host:${marker}:%`]);
      expect(rows.rows).toEqual([{ request_id: requestId }]);
    } finally {
      await db.end();
    }
  });

  it("ships a balancer configuration HAProxy accepts (docker-compose's)", () => {
    const out = execFileSync(fleet.lb.binary, ['-c', '-f', path.join(ROOT, 'deploy/haproxy.cfg')], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toMatch(/Configuration file is valid/);
  });

  it('lets a person finish sign-up and a password reset from the mails alone, in Chromium, through the balancer', async () => {
    // Production mode: REQUIRE_VERIFIED_EMAIL is on, so the verification link is the only way in.
    ensureConsoleBuilt();
    const chrome = await launchChromium([`--host-resolver-rules=MAP ${FLEET_HOST} ${new URL(fleet.lb.url).host}`]);
    try {
      const c = await ConsolePage.open(chrome.browser, `http://${FLEET_HOST}`);
      const pages = new PublicPages(c);
      const mailView = new MailView(c);
      const email = `journey-${randomUUID().slice(0, 8)}@example.test`;
      const mailTo = (subject: RegExp) => fleet.mail.waitFor((m) => m.to.includes(email) && subject.test(m.subject), 30_000);

      await c.goto('/login');
      await c.page.getByRole('link', { name: 'Create an account' }).click();
      await pages.signUp('Fleet Journey', email, 'first-passphrase-for-fleet-7');
      expect((await pages.outcome()).text).toContain(`We sent a confirmation link to ${email}`);
      const verify = await mailTo(/Confirm your email address/);
      expect(await mailView.click(verify, 'Confirm my email')).toMatch(new RegExp(`^http://${FLEET_HOST}/admin/#/verify-email\\?token=`));
      expect((await pages.outcome()).severity).toBe('success');

      await c.goto('/login');
      await c.page.getByLabel('Email').fill(email);
      await c.page.getByRole('link', { name: 'Forgot password?' }).click();
      await pages.askForReset(email);
      const reset = await mailTo(/Reset your password/);
      await mailView.click(reset, 'Choose a new password');
      await pages.chooseNewPassword('second-passphrase-for-fleet-8');
      expect(await pages.outcome()).toEqual({ severity: 'success', text: expect.stringContaining('Your password was changed.') });

      await c.signIn(email, 'second-passphrase-for-fleet-8');
      await c.waitForHeading('Welcome, Fleet Journey');
      // Production cookies over the TLS-terminating balancer's stand-in: HttpOnly session, CSRF pair.
      const cookies = await c.page.context().cookies();
      expect(cookies.find((k) => k.name === 'lk_session')?.httpOnly).toBe(true);
    } finally {
      await chrome.close();
    }
  });

  it('refuses a revoked session on the very next request, whichever instance serves it', async () => {
    for (let round = 0; round < 10; round++) {
      const a = await fleet.session('admin@demo.latchkey.dev');
      const b = await fleet.session('admin@demo.latchkey.dev');
      expect((await fleet.get('/api/v1/me', a.token)).status).toBe(200);
      expect((await fleet.get('/api/v1/me', a.token)).status).toBe(200);
      expect((await fleet.request('DELETE', `/api/v1/me/sessions/${a.sessionId}`, { token: b.token })).status).toBe(204);
      for (let i = 0; i < 4; i++) {
        expect((await fleet.get('/api/v1/me', a.token)).status).toBe(401);
      }
      expect((await fleet.get('/api/v1/me', b.token)).status).toBe(200);
    }
  });

  it('shares the lockout and the per-IP limit between instances', async () => {
    const ip = randomIp();
    const email = 'viewer@demo.latchkey.dev';
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push((await fleet.signIn(email, 'not-the-password-1', ip)).status);
    }
    expect(answers).toEqual([401, 401, 401, 401, 401]);
    for (let i = 0; i < 4; i++) {
      const res = await fleet.signIn(email, 'violet-anchor-tundra-42', ip);
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('ACCOUNT_LOCKED');
    }

    const other = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) {
      statuses.push((await fleet.signIn(`nobody-${i}@example.com`, 'wrong-password-x', other)).status);
    }
    expect(statuses.slice(0, 40).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(40).every((s) => s === 429)).toBe(true);
  });

  it('executes an approved MFA reset exactly once after the cool-down, whichever instance is asked', async () => {
    const email = 'member@demo.latchkey.dev';
    expect(
      (
        await fleet.post(TICKETS, { type: 'mfa_reset', email, message: 'Lost my phone in a lake.' }, undefined, {
          'X-Forwarded-For': randomIp(),
        })
      ).status,
    ).toBe(202);
    const confirmMail = await fleet.mail.waitFor((m) => m.to.includes(email) && /Confirm your support request/.test(m.subject), 30_000);
    expect((await fleet.post(`${TICKETS}/confirm`, { token: tokenFrom(confirmMail) })).status).toBe(204);

    // Staff need 2FA: the demo agent and lead sign in with their seeded authenticators. Their
    // sessions are fresh, so approve and execute need no further proof here.
    const agent = await fleet.sessionWithTotp('support@demo.latchkey.dev', DEMO_STAFF_TOTP_SECRETS['support@demo.latchkey.dev']);
    const lead = await fleet.sessionWithTotp('lead@demo.latchkey.dev', DEMO_STAFF_TOTP_SECRETS['lead@demo.latchkey.dev']);
    const queue = await fleet.get(`${TICKETS}?state=open`, agent.token);
    const ticket = (queue.body.items as Array<{ id: string; email: string }>).find((t) => t.email === email)!;
    expect(ticket).toBeDefined();
    const checks = await fleet.post(
      `${TICKETS}/${ticket.id}/verification`,
      {
        checks: [
          { kind: 'sign_in_history', note: 'Named the last sign-ins' },
          { kind: 'government_id', note: 'ID matched on a call' },
        ],
      },
      agent.token,
    );
    expect(checks.status).toBe(200);
    expect(checks.body.state).toBe('awaiting_approval');
    expect((await fleet.post(`${TICKETS}/${ticket.id}/approve`, { reason: 'Consistent checks' }, lead.token)).status).toBe(200);
    const early = await fleet.post(`${TICKETS}/${ticket.id}/execute`, {}, agent.token);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('COOLDOWN_NOT_OVER');

    await sleep(4_000);
    const all = await Promise.all(Array.from({ length: 8 }, () => fleet.post(`${TICKETS}/${ticket.id}/execute`, {}, agent.token)));
    const statuses = all.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
    await fleet.mail.waitFor((m) => m.to.includes(email) && m.subject === 'Your two-factor authentication was reset by support', 30_000);
    await sleep(1_500);
    const executedMails = fleet.mail.messages.filter(
      (m) => m.to.includes(email) && m.subject === 'Your two-factor authentication was reset by support',
    );
    expect(executedMails).toHaveLength(1);
    // The member's authenticator is gone: the password alone signs in, straight into enrolment
    // (the demo account requires 2FA).
    const after = await fleet.signIn(email, undefined, randomIp());
    expect(after.body.status).toBe('mfa_setup_required');
  });

  it('delivers 1,000 host events exactly once while a worker is killed and restarted', async () => {
    const markers = new Set(Array.from({ length: 1000 }, () => `evt-${randomUUID().slice(0, 13)}`));
    const list = [...markers];
    let next = 0;
    const accepted: string[] = [];
    const sender = async () => {
      while (next < list.length) {
        const marker = list[next++];
        const res = await publish(marker);
        expect([res.status, res.body]).toEqual([202, expect.anything()]);
        accepted.push(marker);
        if (accepted.length === 300) {
          await fleet.workers[0].signal('SIGKILL');
          void fleet.workers[0].start();
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    expect(accepted).toHaveLength(1000);
    await waitFor('all 1,000 deliveries', () => fleet.deliveries(markers).size === 1000, 120_000, 250);
    await sleep(2_000);
    const seen = fleet.deliveries(markers);
    // Every event became exactly one message (one Message-ID, the outbox id). The final dot of a
    // message and the UPDATE stamping its row leave in the same synchronous step (HandedMarks), so a
    // killed worker's sent mail is not sent again; only a kill in the middle of such a step resends
    // its dots (with the same Message-ID, for receivers to drop). The bound: one in total.
    for (const marker of markers) {
      const ids = new Set(fleet.mail.messages.filter((m) => m.subject === `Unusual usage: ${marker}`).map((m) => m.messageId));
      expect([marker, ids.size]).toEqual([marker, 1]);
    }
    const resent = [...seen.values()].filter((n) => n > 1).length;
    expect(resent).toBeLessThanOrEqual(1);
    await waitFor('the killed worker to be back', () => fleet.workers[0].alive && /worker running/.test(fleet.workers[0].output), 60_000);
  }, 240_000);

  describe('faults under load (sign-ins, authenticated reads and host events running)', () => {
    let reader: string;
    const accepted = new Set<string>();

    beforeAll(async () => {
      reader = (await fleet.session('admin@demo.latchkey.dev')).token;
    });

    function load(): Load {
      return new Load()
        .start('sign-in', 2, () => fleet.signIn('owner@demo.latchkey.dev', undefined, randomIp()))
        .start('read', 3, () => fleet.get('/api/v1/me', reader))
        .start('event', 2, async () => {
          const marker = `fault-${randomUUID().slice(0, 12)}`;
          const res = await publish(marker);
          if (res.status === 202) {
            accepted.add(marker);
          }
          return res;
        });
    }

    async function readiness(): Promise<number[]> {
      return Promise.all(
        fleet.apis.map((a) =>
          fetch(`http://127.0.0.1:${a.port}/ready`, { signal: AbortSignal.timeout(5_000) }).then(
            (r) => r.status,
            () => 0,
          ),
        ),
      );
    }

    function expectNoHangs(l: Load) {
      const hung = l.outcomes.filter((o) => o.status === 'timeout' || o.ms > 10_000);
      expect(hung).toEqual([]);
      expect(l.outcomes.filter((o) => o.status === 'error')).toEqual([]);
    }

    it('recovers from a PostgreSQL restart on its own, says so in /ready, and loses no outbox row', async () => {
      const l = load();
      await sleep(1_500);
      fleet.pg.down();
      await waitFor('both instances to report the database down', async () => (await readiness()).every((s) => s === 503), 15_000);
      await sleep(2_000);
      await fleet.pg.up();
      await waitFor('both instances to report ready again', async () => (await readiness()).every((s) => s === 200), 30_000);
      await sleep(2_000);
      await l.stop();
      expectNoHangs(l);
      // During the outage requests fail fast and say so: 503 (from the app or the balancer), never a 500.
      expect(l.outcomes.filter((o) => o.status === 500)).toEqual([]);
      expect(l.outcomes.some((o) => o.status === 503)).toBe(true);
      expect(l.of('sign-in').filter((o) => o.status === 200).length).toBeGreaterThan(0);
      expect([...fleet.apis, ...fleet.workers].every((p) => p.alive)).toBe(true);
      // After the restart everything works again, on both instances.
      for (let i = 0; i < 4; i++) {
        expect((await fleet.get('/api/v1/me', reader)).status).toBe(200);
        expect((await fleet.signIn('owner@demo.latchkey.dev', undefined, randomIp())).body.status).toBe('authenticated');
      }
      await waitFor('every accepted event delivered', () => fleet.deliveries(accepted).size === accepted.size, 60_000, 250);
      await sleep(1_000);
      expect([...fleet.deliveries(accepted).values()].filter((n) => n > 1)).toEqual([]);
    }, 180_000);

    it('keeps signing in and throttling through a Redis restart; queues resume; nothing lost', async () => {
      const before = accepted.size;
      const l = load();
      await sleep(1_500);
      await fleet.redis.down();
      await waitFor(
        'both instances to report the queue down, staying in rotation',
        async () => {
          const states = await Promise.all(fleet.apis.map((a) => fleet.request('GET', '/ready', { base: `http://127.0.0.1:${a.port}` })));
          return states.every((r) => r.status === 200 && r.body.status === 'degraded' && r.body.checks.queue === 'down');
        },
        15_000,
      );
      // Redis is down: sign-in still works and still locks out (counters fall back to PostgreSQL).
      const ip = randomIp();
      const email = `locked-${randomUUID().slice(0, 8)}@example.com`;
      const answers: number[] = [];
      for (let i = 0; i < 7; i++) {
        answers.push((await fleet.signIn(email, 'wrong-password-2', ip)).status);
      }
      expect(answers).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect((await fleet.signIn('admin@demo.latchkey.dev', undefined, randomIp())).body.status).toBe('authenticated');
      await sleep(1_000);
      await fleet.redis.up();
      await waitFor(
        'both instances to report the queue back',
        async () => {
          const states = await Promise.all(fleet.apis.map((a) => fleet.request('GET', '/ready', { base: `http://127.0.0.1:${a.port}` })));
          return states.every((r) => r.status === 200 && r.body.status === 'ready');
        },
        30_000,
      );
      await sleep(2_000);
      await l.stop();
      expectNoHangs(l);
      expect(l.outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500)).toEqual([]);
      expect(accepted.size).toBeGreaterThan(before);
      await waitFor('every accepted event delivered', () => fleet.deliveries(accepted).size === accepted.size, 60_000, 250);
      await sleep(1_000);
      const doubled = [...fleet.deliveries(accepted).values()].filter((n) => n > 1);
      expect(doubled).toEqual([]);
    }, 180_000);

    it('drains an API process on SIGTERM: readiness first, no request cut', async () => {
      const l = load();
      await sleep(1_000);
      const victim = fleet.apis[0];
      const exit = victim.signal('SIGTERM');
      await waitFor('the draining instance to answer 503 on /ready', async () => (await readiness())[0] === 503, 5_000, 50);
      expect(await exit).toBe(0);
      await sleep(1_500);
      await l.stop();
      expectNoHangs(l);
      const failed = l.outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500);
      expect(failed).toEqual([]);
      await victim.start();
      await waitFor('the restarted instance back behind the balancer', async () => (await readiness()).every((s) => s === 200), 30_000);
    }, 120_000);
  });
});
