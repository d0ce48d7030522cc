import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AppConfig, QueueDriver, loadConfig } from '@latchkey/core';
import { NOTIFICATIONS_JOB_QUEUE, NotificationsService } from '@latchkey/notifications';
import { startWorkers } from '@latchkey/platform';
import { getQueueToken } from '@nestjs/bull';
import { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bull';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';

import { WorkerModule } from '../../apps/worker/src/worker.module';
import { uniqueEmail } from '../factories/users.factory';
import { SmtpSink } from '../fakes/smtp-sink';
import { TestApp, createTestApp, createTestDatabase } from '../setup/test-app';
import { TEST_REDIS_URL } from '../setup/test-env';

/** Every route and guard a Nest app holds: controllers, and providers or injectables that guard (or are APP_GUARD). */
function httpParts(app: INestApplicationContext): { controllers: string[]; guards: string[] } {
  const controllers: string[] = [];
  const guards: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      controllers.push(`${module.name}: ${wrapper.name}`);
    }
    for (const wrapper of [...module.providers.values(), ...module.injectables.values()]) {
      const token = typeof wrapper.token === 'string' ? wrapper.token : '';
      const instance = wrapper.instance as { canActivate?: unknown } | undefined;
      if (token.startsWith('APP_GUARD') || typeof instance?.canActivate === 'function') {
        guards.push(`${module.name}: ${String(wrapper.name)}`);
      }
    }
  }
  return { controllers, guards };
}

describe('The worker runs the domain without HTTP', () => {
  let worker: INestApplicationContext;
  let mail: SmtpSink;
  let dataDir: string;
  let config: AppConfig;

  beforeAll(async () => {
    mail = await new SmtpSink().start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-worker-'));
    config = loadConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: 'http://latchkey.test',
      SMTP_URL: mail.url,
      DATA_DIR: dataDir,
      ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    });
    config.redis.prefix = `lk-test-${randomBytes(4).toString('hex')}`;
    // As apps/worker/src/main.ts builds it.
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, database: await createTestDatabase() }), {
      logger: process.env.E2E_LOG ? ['error', 'warn'] : false,
    });
    worker.enableShutdownHooks();
  });

  afterAll(async () => {
    await worker?.close();
    await mail?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers no controller and no guard (no global session guard, no route guard)', () => {
    expect(httpParts(worker)).toEqual({ controllers: [], guards: [] });
  });

  it('runs the notifications queue on @nestjs/bull with Redis (8 s lock: the outbox crash window), in-process without', () => {
    const driver = worker.get(QueueDriver);
    if (TEST_REDIS_URL) {
      expect(driver.kind).toBe('bull');
      const queue = worker.get<Queue>(getQueueToken(NOTIFICATIONS_JOB_QUEUE.name), { strict: false });
      expect(queue.name).toBe('notifications');
      expect((queue as unknown as { keyPrefix: string }).keyPrefix).toBe(config.redis.prefix);
      expect((queue as unknown as { settings: object }).settings).toMatchObject({
        lockDuration: 8000,
        stalledInterval: 4000,
        maxStalledCount: 3,
      });
    } else {
      expect(driver.kind).toBe('in-process');
      expect(() => worker.get(getQueueToken(NOTIFICATIONS_JOB_QUEUE.name), { strict: false })).toThrow();
    }
  });

  it('delivers a notification end to end: outbox, relay, queue, processor, SMTP', async () => {
    const email = uniqueEmail('worker');
    await worker.get(NotificationsService).notify({ event: 'security.account_locked', to: { email }, data: {} });
    await startWorkers(worker);
    const sent = await mail.waitFor((m) => m.to.includes(email), 30_000);
    expect(sent.subject).toMatch(/locked/i);
    const dataSource = worker.get(DataSource);
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline) {
      [{ status }] = await dataSource.query(`SELECT status FROM notification_outbox WHERE recipient = $1`, [email]);
      if (status === 'delivered') {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('delivered');
    expect(mail.to(email)).toHaveLength(1);
  });
});

describe('The API, for contrast, loads the same domain with its HTTP modules', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('the same check finds its routes, the global session guard and the route guards', () => {
    const { controllers, guards } = httpParts(t.app);
    expect(controllers).toEqual(
      expect.arrayContaining(['AuthHttpModule: AuthController', 'NotificationsHttpModule: MyNotificationsController']),
    );
    expect(guards.some((g) => g.startsWith('AuthHttpModule: APP_GUARD') || g === 'AuthHttpModule: SessionAuthGuard')).toBe(true);
    expect(guards.some((g) => g.endsWith('AccountRoleGuard'))).toBe(true);
  });
});
