import { INestApplication, RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { HTTP_CODE_METADATA, METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import {
  DocumentBuilder,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ResponseObject,
  SecurityRequirementObject,
  SwaggerModule,
} from '@nestjs/swagger';

import { ALLOW_RESTRICTED, API_KEY_ACCESS, IS_PUBLIC } from '../http/principal';
import { problemResponse } from './api-problems.decorator';
import { OPENAPI_AUTH, OpenApiAuth, SECURITY_SCHEMES } from './api-security.decorator';
import { ProblemDto } from './problem.dto';

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

const DESCRIPTION = `Sign-in, two-factor authentication, sessions, accounts and roles, notifications and the support desk.

Authentication: an opaque session token (\`lks_...\`, not a JWT) from a finished sign-in, sent as
\`Authorization: Bearer\`, or the \`lk_session\` cookie the sign-in sets. Cookie-authenticated writes
(POST, PUT, PATCH, DELETE) must also send \`X-CSRF-Token\` with the value of the readable \`lk_csrf\`
cookie (also \`csrfToken\` in the sign-in answer).

API keys (personal access tokens, \`lk_pat_...\`, created under \`/me/api-keys\`) are sent as
\`Authorization: Bearer\` too, but only to the operations marked \`x-api-key-access: true\` (the
\`apiKey\` security scheme): every other operation answers 403 API_KEY_SESSION_REQUIRED. A key with
the read scope makes GET and HEAD calls only; a key bound to an account reaches only that account's
routes, with the lower of its role cap and the user's role.

Service API (the operations tagged \`service: …\` and \`POST /events\`, grouped under "Service API"):
the host application's own back end calls them with a service credential (\`lksv_...\`) or the
bootstrap SERVICE_TOKEN as \`Authorization: Bearer\`. Each operation names the scope it needs
(\`x-service-scopes\`); a credential without it gets 403 SERVICE_SCOPE_MISSING.

Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\`, the \`requestId\` (also the
\`X-Request-Id\` header of every answer) and \`errors[]\` naming each invalid field. Lists are cursor
pages \`{items, nextCursor}\` (\`?limit=&cursor=\`); the members list also speaks react-admin's
ra-data-simple-rest dialect (see that operation).`;

type Target = object;

interface RouteInfo {
  controller: Target & { name: string; prototype: object };
  handler: Target;
  methodName: string;
}

/** Every controller method of the app by the operationId Swagger gives it (Controller_method). */
function routesByOperationId(app: INestApplication): Map<string, RouteInfo> {
  const container = (
    app as unknown as { container: { getModules(): Map<string, { controllers: Map<unknown, { metatype: RouteInfo['controller'] }> }> } }
  ).container;
  const routes = new Map<string, RouteInfo>();
  for (const module of container.getModules().values()) {
    for (const { metatype: controller } of module.controllers.values()) {
      const proto = controller.prototype as Record<string, unknown>;
      for (const methodName of Object.getOwnPropertyNames(proto)) {
        const handler = proto[methodName];
        if (typeof handler === 'function' && Reflect.getMetadata(METHOD_METADATA, handler) !== undefined) {
          routes.set(`${controller.name}_${methodName}`, { controller, handler, methodName });
        }
      }
    }
  }
  return routes;
}

function metadata<T>(key: string, route: RouteInfo): T | undefined {
  return (Reflect.getMetadata(key, route.handler) ?? Reflect.getMetadata(key, route.controller)) as T | undefined;
}

/** The status the route answers on success, as Nest sends it. */
export function successStatusOf(route: RouteInfo): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined;
  return code ?? (Reflect.getMetadata(METHOD_METADATA, route.handler) === RequestMethod.POST ? 201 : 200);
}

function routeArgs(route: RouteInfo): Array<{ type: RouteParamtypes; data?: unknown; pipes: unknown[] }> {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.methodName) ?? {}) as Record<
    string,
    { data?: unknown; pipes?: unknown[] }
  >;
  return Object.entries(args).map(([key, arg]) => ({ type: Number(key.split(':')[0]), data: arg.data, pipes: arg.pipes ?? [] }));
}

/** A handler that takes the reply with @Res() (not passthrough) writes its own status and body. */
export function writesOwnReply(route: RouteInfo): boolean {
  return routeArgs(route).some(
    (arg) => arg.type === RouteParamtypes.RESPONSE && !(arg.data as { passthrough?: boolean } | undefined)?.passthrough,
  );
}

/**
 * Input the route validates: a @Query() (the global validation pipe), or a @Param() with a pipe
 * (UuidPipe). A path parameter only a guard reads (accountId) answers 404, never 400.
 */
function validatesInput(route: RouteInfo): boolean {
  return routeArgs(route).some((arg) => arg.type === RouteParamtypes.QUERY || (arg.type === RouteParamtypes.PARAM && arg.pipes.length > 0));
}

function addResponse(op: OperationObject, status: number, reason: string): void {
  const existing = op.responses[status] as ResponseObject | undefined;
  if (!existing) {
    op.responses[status] = problemResponse(status, reason);
  } else if (!existing.description.includes(reason)) {
    existing.description = `${existing.description}; ${reason}`;
  }
}

function sessionSecurity(write: boolean): SecurityRequirementObject[] {
  return [
    { [SECURITY_SCHEMES.sessionToken]: [] },
    write ? { [SECURITY_SCHEMES.sessionCookie]: [], [SECURITY_SCHEMES.csrfToken]: [] } : { [SECURITY_SCHEMES.sessionCookie]: [] },
  ];
}

/**
 * What every route can answer follows from how it is guarded, so it is documented here once
 * rather than on each controller: the security it needs, 401 and 403 from the global session
 * guard, 400/413/415 from body parsing and validation. Route-specific statuses (404 unknown id,
 * 409, 410, 429...) stay on the routes with @ApiProblems().
 */
export function applyRoutePolicies(app: INestApplication, document: OpenAPIObject): void {
  const routes = routesByOperationId(app);
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      const route = op?.operationId ? routes.get(op.operationId) : undefined;
      if (!op || !route) {
        continue;
      }
      applyPolicy(op, method, route);
    }
  }
  const problem = document.components?.schemas?.[ProblemDto.name];
  if (problem && !('$ref' in problem)) {
    // RFC 9457 extension members: a problem type may add its own fields (e.g. from/to of a ticket transition).
    problem.additionalProperties = true;
  }
}

function applyPolicy(op: OperationObject, method: HttpMethod, route: RouteInfo): void {
  const isPublic = metadata<boolean>(IS_PUBLIC, route) ?? false;
  const auth = metadata<OpenApiAuth>(OPENAPI_AUTH, route);
  const write = WRITE_METHODS.has(method);

  if (auth === 'service-token') {
    op.security = [{ [SECURITY_SCHEMES.serviceToken]: [] }];
    addResponse(op, 401, 'Missing or wrong service token');
  } else if (!isPublic) {
    const keys = metadata<boolean>(API_KEY_ACCESS, route) === true;
    op.security = keys ? [...sessionSecurity(write), { [SECURITY_SCHEMES.apiKey]: [] }] : sessionSecurity(write);
    (op as OperationObject & { 'x-api-key-access': boolean })['x-api-key-access'] = keys;
    addResponse(op, 401, keys ? 'No valid session or API key' : 'No valid session');
    const restricted = !(metadata<boolean>(ALLOW_RESTRICTED, route) ?? false);
    const reasons = [
      ...(write ? ['cookie-authenticated write without a valid X-CSRF-Token'] : []),
      ...(restricted ? ['the session is restricted to setting up two-factor authentication'] : []),
      ...(keys
        ? [
            ...(write ? ['an API key without the write scope'] : []),
            "an API key bound to one account calling a route outside that account's",
          ]
        : ['an API key was sent: this operation needs a session (API_KEY_SESSION_REQUIRED)']),
    ];
    if (keys) {
      addResponse(op, 429, 'Too many requests with this API key (per-key limit per minute)');
    }
    if (reasons.length > 0) {
      addResponse(op, 403, reasons.join(', or '));
    }
  } else if (auth === 'optional-session') {
    op.security = [{}, ...sessionSecurity(write)];
  } else {
    op.security = [];
  }

  if (write) {
    addResponse(op, 400, 'Malformed body or invalid fields; errors[] names each');
    addResponse(op, 413, 'Body too large');
    addResponse(op, 415, 'Unsupported content type');
  } else if (validatesInput(route)) {
    addResponse(op, 400, 'Invalid parameters; errors[] names each');
  }

  for (const [status, response] of Object.entries(op.responses)) {
    const res = response as ResponseObject;
    if (Number(status) >= 400 && !res.content) {
      const { content, headers } = problemResponse(Number(status));
      res.content = content;
      res.headers ??= headers;
    }
  }
}

/**
 * Mistakes the document cannot show by itself: a success status other than the one the route
 * answers, a success answer without a body schema, a route the document does not know.
 */
export function lintOpenApiDocument(app: INestApplication, document: OpenAPIObject): string[] {
  const problems: string[] = [];
  const routes = routesByOperationId(app);
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) {
        continue;
      }
      const name = `${method.toUpperCase()} ${path}`;
      const route = op.operationId ? routes.get(op.operationId) : undefined;
      if (!route) {
        problems.push(`${name}: no controller method for operationId ${op.operationId}`);
        continue;
      }
      seen.add(op.operationId!);
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      if (!writesOwnReply(route)) {
        const expected = String(successStatusOf(route));
        if (success.length !== 1 || success[0] !== expected) {
          problems.push(`${name}: answers ${expected} but documents ${success.join(', ') || 'no 2xx'}`);
        }
      } else if (success.length === 0 && !Object.keys(op.responses).some((s) => /^30[1-8]$/.test(s))) {
        // A route that writes its own reply answers a 2xx, or is a redirect (an OAuth redirect URI) documenting its 3xx.
        problems.push(`${name}: documents no 2xx answer`);
      }
      for (const status of success) {
        const res = op.responses[status] as ResponseObject;
        const media = Object.entries(res.content ?? {});
        if (status !== '204' && (media.length === 0 || media.some(([, m]) => !m.schema))) {
          problems.push(`${name}: ${status} has no body schema`);
        }
        if (status === '204' && media.length > 0) {
          problems.push(`${name}: 204 documents a body`);
        }
      }
    }
  }
  for (const key of routes.keys()) {
    if (!seen.has(key)) {
      problems.push(`${key}: route missing from the document`);
    }
  }
  return [...problems, ...lintPathParameters(document), ...lintUntypedObjects(document)];
}

/** Every {name} of a path template is a declared path parameter, and nothing else is. */
function lintPathParameters(document: OpenAPIObject): string[] {
  const problems: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) {
        const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])]
          .filter((p): p is ParameterObject => 'in' in p && p.in === 'path')
          .map((p) => p.name)
          .sort();
        if (inTemplate.join() !== declared.join()) {
          problems.push(
            `${method.toUpperCase()} ${path}: path parameters [${declared.join(', ')}], template has [${inTemplate.join(', ')}]`,
          );
        }
      }
    }
  }
  return problems;
}

/** An object without properties or additionalProperties gives clients no type (a DTO field typed as an inline object). */
function lintUntypedObjects(document: OpenAPIObject): string[] {
  const problems: string[] = [];
  const visit = (schema: unknown, where: string): void => {
    if (!schema || typeof schema !== 'object') {
      return;
    }
    const s = schema as Record<string, unknown>;
    const composed = ['allOf', 'oneOf', 'anyOf', '$ref'].some((k) => k in s);
    if (s.type === 'object' && !s.properties && s.additionalProperties === undefined && !composed) {
      problems.push(`${where}: an object without properties`);
    }
    for (const [key, value] of Object.entries(s)) {
      if (key === 'properties') {
        for (const [name, prop] of Object.entries(value as Record<string, unknown>)) {
          visit(prop, `${where}.${name}`);
        }
      } else if (key === 'items' || key === 'additionalProperties') {
        visit(value, `${where}[]`);
      } else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') {
        (value as unknown[]).forEach((v) => visit(v, where));
      }
    }
  };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    visit(schema, name);
  }
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      for (const [status, response] of Object.entries(item[method]?.responses ?? {})) {
        for (const [type, media] of Object.entries((response as ResponseObject).content ?? {})) {
          visit(media.schema, `${method.toUpperCase()} ${path} ${status} ${type}`);
        }
      }
    }
  }
  return problems;
}

/** The API's OpenAPI document, served at /api/docs-json and checked in as docs/openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Latchkey API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addSecurity(SECURITY_SCHEMES.sessionToken, {
      type: 'http',
      scheme: 'bearer',
      description: 'Opaque session token (lks_..., not a JWT) from a finished sign-in: Authorization: Bearer <token>',
    })
    .addSecurity(SECURITY_SCHEMES.sessionCookie, {
      type: 'apiKey',
      in: 'cookie',
      name: 'lk_session',
      description: 'The HttpOnly session cookie a finished sign-in sets (the console uses it)',
    })
    .addSecurity(SECURITY_SCHEMES.csrfToken, {
      type: 'apiKey',
      in: 'header',
      name: 'X-CSRF-Token',
      description: 'With the lk_session cookie, writes must echo the readable lk_csrf cookie (also csrfToken in the sign-in answer)',
    })
    .addSecurity(SECURITY_SCHEMES.apiKey, {
      type: 'http',
      scheme: 'bearer',
      description:
        'A personal access token (lk_pat_..., created under /me/api-keys, shown once): Authorization: Bearer <key>. Only on operations with x-api-key-access: true',
    })
    .addSecurity(SECURITY_SCHEMES.serviceToken, {
      type: 'http',
      scheme: 'bearer',
      description:
        'A service credential (lksv_..., created through POST /service/credentials, scoped, rotatable) or the bootstrap SERVICE_TOKEN setting (every scope): Authorization: Bearer <secret>',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
    extraModels: [ProblemDto],
  });
  applyRoutePolicies(app, document);
  groupServiceApi(document);
  return document;
}

/**
 * The service API as its own section: tags whose operations all use the service credential form
 * the "Service API" group (x-tagGroups, read by Redoc and others); every other tag is the user API.
 */
function groupServiceApi(document: OpenAPIObject): void {
  const service = new Set<string>();
  const user = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) {
        continue;
      }
      const isService = (op.security ?? []).some((s: SecurityRequirementObject) => SECURITY_SCHEMES.serviceToken in s);
      for (const tag of op.tags ?? []) {
        (isService ? service : user).add(tag);
      }
    }
  }
  const serviceOnly = [...service].filter((t) => !user.has(t)).sort();
  const rest = [...new Set([...user, ...service])].filter((t) => !serviceOnly.includes(t)).sort();
  (document as OpenAPIObject & { 'x-tagGroups': Array<{ name: string; tags: string[] }> })['x-tagGroups'] = [
    { name: 'User and console API', tags: rest },
    { name: 'Service API', tags: serviceOnly },
  ];
}
