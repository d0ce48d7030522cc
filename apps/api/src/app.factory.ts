import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  APP_CONFIG,
  AppConfig,
  Metrics,
  PinoLoggerService,
  buildOpenApiDocument,
  constantTimeEqual,
  createPino,
  requestContext,
} from '@latchkey/core';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyMultipart from '@fastify/multipart';
import helmet from 'helmet';
import fastifyStatic from '@fastify/static';
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const BODY_LIMIT_BYTES = 64 * 1024;
export const AVATAR_LIMIT_BYTES = 2 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Where the built console is, from the source tree or from dist. */
function adminDist(): string | undefined {
  const candidates = [path.resolve(process.cwd(), 'admin-ui/dist'), path.resolve(__dirname, '../../../../admin-ui/dist')];
  return candidates.find((p) => fs.existsSync(path.join(p, 'index.html')));
}

export function fastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.http.trustedProxies.length > 0 ? config.http.trustedProxies : false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: false,
    // A path Fastify cannot route (invalid percent-encoding, a parameter over maxParamLength)
    // names nothing: the same problem+json 404 as an unknown id, instead of Fastify's plain JSON.
    frameworkErrors: (error: { code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      const notFound = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const status = notFound ? 404 : 400;
      void reply
        .status(status)
        .header('X-Request-Id', req.id)
        .header('Cache-Control', 'no-store')
        .header('Content-Type', 'application/problem+json; charset=utf-8')
        .send({
          type: 'about:blank',
          title: notFound ? 'Not Found' : 'Bad Request',
          status,
          detail: notFound ? 'No such resource.' : 'The request could not be read.',
          code: notFound ? 'NOT_FOUND' : 'BAD_REQUEST',
          requestId: String(req.id),
        });
    },
  });
}

/** Builds the HTTP app for `npm start` and `start:api`. */
export async function createApp(module: Type | DynamicModule, config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, fastifyAdapter(config), {
    logger: new PinoLoggerService(createPino(config.logLevel)),
    bufferLogs: false,
  });
  await configureApp(app, config);
  return app;
}

/**
 * Everything after creation, shared with the e2e tests: request ids, helmet, CORS for the
 * console, cookies, body limits, the /api/v1 prefix, OpenAPI, and the console at /admin. Answers
 * the OpenAPI document it serves.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
  /** The document, when the caller already has it for this code (the e2e harness builds it once per run). */
  prebuilt?: () => OpenAPIObject,
): Promise<OpenAPIObject> {
  const pino = createPino(config.logLevel);
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('X-Request-Id', req.id);
    requestContext.run({ requestId: String(req.id), ip: req.ip, userAgent: req.headers['user-agent'] }, done);
  });
  // API answers carry personal data and tokens: no shared or browser cache keeps them, unless a
  // route chose its own policy (public avatars).
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (req.url.startsWith('/api/v1/') && !reply.hasHeader('Cache-Control')) {
      void reply.header('Cache-Control', 'no-store');
    }
    done(null, payload);
  });
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (req, reply, done) => {
    // A token in the path (invitation links) is logged as the route's :token, never its value.
    const route = req.routeOptions?.url;
    const url = route?.includes(':token') ? route : req.url.split('?')[0];
    pino.info({ requestId: req.id, method: req.method, url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions?.url ?? 'unmatched', status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
    done();
  });
  // Prometheus text, only for the holder of METRICS_TOKEN (a plain listener on METRICS_PORT is the alternative).
  fastify.get('/metrics', async (req, reply) => {
    const token = config.metrics.token;
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !given || !constantTimeEqual(given, token)) {
      return reply
        .status(404)
        .header('Content-Type', 'application/problem+json; charset=utf-8')
        .send({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: 'No such resource.',
          code: 'NOT_FOUND',
          requestId: String(req.id),
        });
    }
    const { contentType, body } = await metrics.text();
    return reply.header('Content-Type', contentType).header('Cache-Control', 'no-store').send(body);
  });

  // Upgrading to https (CSP upgrade-insecure-requests, HSTS) only where the public address is
  // https: on a deployment served over plain http (ALLOW_HTTP_PUBLIC_URL) it would send the
  // browser to an https address that does not answer, and the console would never load.
  const https = config.http.publicUrl.startsWith('https://');
  // Built once: @fastify/helmet (used before) built helmet's middlewares (and parsed the CSP) again on every
  // request, which cost about 6 % of an authenticated GET's CPU. No route sets its own policy.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  fastify.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)));
  await app.register(fastifyCors, {
    origin: config.http.consoleOrigins,
    credentials: true,
    exposedHeaders: ['Content-Range', 'X-Total-Count', 'X-Request-Id', 'Retry-After'],
  });
  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, { limits: { fileSize: AVATAR_LIMIT_BYTES, files: 1, fields: 0 } });

  const dist = adminDist();
  if (dist) {
    await app.register(fastifyStatic, { root: dist, prefix: '/admin/', decorateReply: false, wildcard: false, index: ['index.html'] });
    fastify.get('/admin', (_req, reply) => void reply.redirect('/admin/'));
  }

  app.setGlobalPrefix('api/v1', { exclude: ['health', 'ready'] });
  const document = prebuilt ? prebuilt() : buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return document;
}

export function appConfig(app: INestApplication): AppConfig {
  return app.get<AppConfig>(APP_CONFIG);
}
