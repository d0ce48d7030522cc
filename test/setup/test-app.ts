import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  AppConfig,
  BackgroundTasks,
  Clock,
  DatabaseTarget,
  FakeClock,
  QueueDriver,
  buildOpenApiDocument,
  loadConfig,
} from '@latchkey/core';
import { OutboxRelay } from '@latchkey/notifications';
import { startWorkers } from '@latchkey/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';

import { configureApp, fastifyAdapter } from '../../apps/api/src/app.factory';
import { AppModule } from '../../apps/api/src/app.module';
import { SmtpSink } from '../fakes/smtp-sink';
import { checkResponsesAgainst, takeViolation } from './openapi-check';
import {
  PGLITE_TEMPLATE_ENV,
  TEST_DATABASE_URL,
  TEST_PGLITE_SHARED_BUFFERS,
  TEST_REDIS_URL,
  openApiDocumentFile,
  runPrefix,
  serverUrlFor,
  templateDb,
} from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  clock: FakeClock;
  mail: SmtpSink;
  dataSource: DataSource;
  database: DatabaseTarget;
  http(): TestAgent;
  /** Waits until every committed notification has been delivered or given up on. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Every request made through it fails, at the call, when its answer breaks the OpenAPI document. */
export function checkedAgent(agent: TestAgent): TestAgent {
  const methods = agent as unknown as Record<string, (url: string) => request.Test>;
  for (const method of Object.keys(methods)) {
    const make = methods[method];
    methods[method] = (url: string) =>
      make(url).expect((res) => {
        const violation = takeViolation(res.headers['x-request-id']);
        if (violation) {
          throw new Error(violation);
        }
      });
  }
  return agent;
}

/** A fresh database for one test file, copied from the migrated template. */
export async function createTestDatabase(): Promise<DatabaseTarget> {
  if (TEST_DATABASE_URL) {
    const name = `${runPrefix()}_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDb()}"`);
    await admin.end();
    return { url: serverUrlFor(name) };
  }
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (!file) {
    throw new Error('The e2e global setup did not prepare a PGlite template');
  }
  // Backed by the file, read once when PGlite loads it (a Blob made from a Buffer copied the 11 MB twice).
  return { pgliteDir: 'memory://', pgliteLoadFrom: await fs.openAsBlob(file), pgliteSharedBuffers: TEST_PGLITE_SHARED_BUFFERS };
}

/**
 * The OpenAPI document of this run's code: the first app of the run builds it (about half a
 * second of CPU) and leaves it in a file; every later app, in any worker, serves that file. Built
 * from the same code in the same run, it is the document each app would build
 * (test/platform/openapi compares what an app serves with docs/openapi.json).
 */
function runDocument(app: NestFastifyApplication): () => OpenAPIObject {
  return () => {
    const file = openApiDocumentFile();
    if (fs.existsSync(file)) {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as OpenAPIObject;
    }
    const document = buildOpenApiDocument(app);
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(partial, JSON.stringify(document));
    fs.renameSync(partial, file);
    return document;
  };
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Run a second instance on the same database (and Redis), as a load balancer would. */
  sameDatabaseAs?: TestApp;
  /** Another SMTP sink to share. */
  mail?: SmtpSink;
  clock?: FakeClock;
  /** Start the outbox relay and the sweeps at once (default); false leaves rows in the outbox until startWorkers or settle. */
  workers?: boolean;
  /**
   * On Redis: this instance runs the queue's jobs (default: when `workers`). Off for an API-only
   * instance, whose jobs another instance runs. Without Redis every instance runs its own jobs.
   */
  processJobs?: boolean;
}

/**
 * Boots the real AppModule on Fastify against its own database, a real SMTP sink on loopback,
 * Redis when TEST_REDIS_URL is set (in-process queue otherwise) and a fake clock.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const mail = options.mail ?? (await new SmtpSink().start());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-e2e-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://latchkey.test',
    SMTP_URL: mail.url,
    DATA_DIR: dataDir,
    // Every test signs in (and asks for mails and texts) from 127.0.0.1; the per-IP limits have their own tests with low values.
    LOGIN_IP_LIMIT: '100000',
    MAIL_PER_IP_HOURLY: '100000',
    SIGNUP_PER_IP_HOURLY: '100000',
    SMS_PER_IP_HOURLY: '100000',
    ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    // Instances on one database share the key, as a fleet does: one seals what another opens (outbox links, TOTP secrets).
    DATA_ENCRYPTION_KEY: options.sameDatabaseAs?.config.crypto.dataEncryptionKey ?? randomBytes(32).toString('base64'),
    ...options.env,
  });
  config.redis.prefix = options.sameDatabaseAs?.config.redis.prefix ?? `lk-test-${randomBytes(4).toString('hex')}`;
  const database = options.sameDatabaseAs?.database ?? (await createTestDatabase());
  const clock = options.clock ?? options.sameDatabaseAs?.clock ?? new FakeClock();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, database, processJobs: options.processJobs ?? options.workers !== false })],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(fastifyAdapter(config), {
    logger: process.env.E2E_LOG ? ['error', 'warn'] : false,
  });
  const document = await configureApp(app, config, runDocument(app));
  checkResponsesAgainst(app.getHttpAdapter().getInstance(), document);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  if (options.workers !== false) {
    await startWorkers(app);
  }
  const dataSource = app.get(DataSource);
  const driver = (dataSource.options as { driver?: DatabaseTarget['pgliteDriver'] }).driver;
  const shareable = database.url ? database : { ...database, pgliteDriver: driver };
  const testApp: TestApp = {
    app,
    config,
    clock,
    mail,
    dataSource,
    database: shareable,
    http: () => checkedAgent(request(app.getHttpServer())),
    settle: async (timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      const relay = app.get(OutboxRelay);
      for (;;) {
        // Work done after the answer (mails whose timing must not tell whether an address exists).
        await app.get(BackgroundTasks).drain();
        await relay.relayOnce();
        // Jobs still running first: an email reads delivered from its final dot on, before the server's answer,
        // which may yet put it back (HandedMarks).
        await app
          .get(QueueDriver)
          .drain(timeoutMs)
          .catch(() => undefined);
        const [{ n }] = await dataSource.query(
          `SELECT count(*)::int AS n FROM notification_outbox WHERE status IN ('pending', 'queued', 'sending')`,
        );
        if (n === 0) {
          return;
        }
        if (Date.now() > deadline) {
          throw new Error(`${n} notification(s) still undelivered after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      await app.close();
      if (!options.mail && !options.sameDatabaseAs) {
        await mail.close();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testApp;
}
