import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * The harness half of "the document is the truth": every answer the app sends during an e2e
 * test is checked against the OpenAPI document it serves. The status must be documented for
 * the operation (method + path template), the content type must be one it documents, and a JSON
 * body must validate against the schema. Objects are checked strictly (a field the schema does
 * not declare fails), so the document cannot silently fall behind the code, and a field that
 * should never leave the server (a hash, a secret) cannot ride along unnoticed.
 */

const BASE = 'https://latchkey.test/openapi/schemas/';
const JSON_TYPE = /^application\/(.+\+)?json$/;
/** Headers a client relies on: present in an answer, they must be documented for it. */
const CONTRACT_HEADERS = ['content-range', 'x-total-count', 'retry-after'];
/** OpenAPI 3.0 annotations that JSON Schema (Ajv) does not know. */
const DROPPED = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'deprecated']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_VALUED = new Set(['items', 'not', 'additionalProperties']);

type Schema = Record<string, unknown>;

/** OpenAPI 3.0 schema object to the JSON Schema Ajv validates: nullable, $ref into components, strict objects. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema) || schema === null || typeof schema !== 'object') {
    return schema;
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (DROPPED.has(key)) {
      continue;
    }
    if (key === '$ref') {
      out.$ref = String(value).replace('#/components/schemas/', BASE);
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Schema).map(([name, s]) => [name, toJsonSchema(s)]));
    } else if (SCHEMA_LISTS.has(key)) {
      out[key] = (value as unknown[]).map(toJsonSchema);
    } else if (SCHEMA_VALUED.has(key) && typeof value === 'object') {
      out[key] = toJsonSchema(value);
    } else {
      out[key] = value;
    }
  }
  if (out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  let result: Schema = out;
  if (out.$ref && Object.keys(out).some((k) => !['$ref', 'description', 'nullable'].includes(k))) {
    const { $ref, ...rest } = out;
    result = { ...rest, allOf: [{ $ref }, ...((rest.allOf as unknown[]) ?? [])] };
  }
  if (result.nullable === true) {
    const { nullable: _nullable, ...rest } = result;
    if (rest.type && !['allOf', 'oneOf', 'anyOf', '$ref'].some((k) => k in rest)) {
      return {
        ...rest,
        type: [...[rest.type].flat(), 'null'],
        ...(Array.isArray(rest.enum) ? { enum: [...rest.enum, null] } : {}),
      };
    }
    return { anyOf: [rest, { type: 'null' }] };
  }
  delete result.nullable;
  return result;
}

function mediaType(header: unknown): string | undefined {
  return typeof header === 'string' ? header.split(';')[0].trim().toLowerCase() : undefined;
}

export interface Exchange {
  method: string;
  url: string;
  /** The matched route's template (Fastify's routeOptions.url), undefined when no route matched. */
  route?: string;
  status: number;
  headers: Record<string, unknown>;
  /** The serialised body, or undefined when it is streamed. */
  body?: string | Buffer | null;
}

/** The document, indexed, with Ajv validators compiled on first use. */
export class ResponseContract {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly operations = new Map<string, { path: string; op: OperationObject }>();

  constructor(document: OpenAPIObject) {
    addFormats(this.ajv);
    for (const format of ['binary', 'int32', 'int64', 'float', 'double', 'password', 'byte']) {
      if (!this.ajv.formats[format]) {
        this.ajv.addFormat(format, true);
      }
    }
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      this.ajv.addSchema({ ...(toJsonSchema(schema) as Schema), $id: `${BASE}${name}` });
    }
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
        const op = item[method];
        if (op) {
          this.operations.set(`${method.toUpperCase()} ${path}`, { path, op });
        }
      }
    }
  }

  /** A message naming the operation, the status and what is wrong; undefined when the answer is documented. */
  check(ex: Exchange): string | undefined {
    const method = ex.method.toUpperCase();
    if (!ex.route || method === 'HEAD' || method === 'OPTIONS') {
      return undefined;
    }
    const template = ex.route.replace(/:(\w+)/g, '{$1}');
    const name = `${method} ${template}`;
    const found = this.operations.get(name);
    if (!found) {
      return template.startsWith('/api/v1/') ? `${name} answered ${ex.status}, but the route is not in the OpenAPI document` : undefined;
    }
    const what = `${name} (${found.op.operationId}) answered ${ex.status}`;
    const response = found.op.responses[ex.status] as ResponseObject | undefined;
    if (!response) {
      const documented = Object.keys(found.op.responses).join(', ');
      return `${what}, a status the OpenAPI document does not list (it lists ${documented})${this.excerpt(ex)}`;
    }
    for (const header of CONTRACT_HEADERS) {
      const documented = Object.keys(response.headers ?? {}).some((h) => h.toLowerCase() === header);
      if (ex.headers[header] !== undefined && !documented) {
        return `${what} with a ${header} header the OpenAPI document does not describe`;
      }
    }
    const type = mediaType(ex.headers['content-type']);
    const hasBody = ex.body === undefined || (ex.body !== null && ex.body.length > 0);
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      return hasBody ? `${what} with a ${type ?? 'untyped'} body, but the OpenAPI document describes none${this.excerpt(ex)}` : undefined;
    }
    const documentedType = Object.keys(content).find((t) => t === type || (t.endsWith('/*') && type?.startsWith(t.slice(0, -1))));
    if (!type || !documentedType) {
      return `${what} as ${type ?? 'no content type'}, but the OpenAPI document has ${Object.keys(content).join(', ')}${this.excerpt(ex)}`;
    }
    if (!JSON_TYPE.test(type) || ex.body === undefined || ex.body === null) {
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(ex.body.toString());
    } catch {
      return `${what} with a body that is not JSON${this.excerpt(ex)}`;
    }
    const validate = this.validator(content[documentedType].schema);
    if (validate && !validate(body)) {
      const errors = (validate.errors ?? [])
        .slice(0, 5)
        .map(
          (e) =>
            `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`,
        )
        .join('; ');
      return `${what} with a body that does not match its schema: ${errors}${this.excerpt(ex)}`;
    }
    return undefined;
  }

  /** Compiled once per distinct schema: every error answer shares the ProblemDto validator. */
  private validator(schema: unknown): ValidateFunction | undefined {
    if (!schema) {
      return undefined;
    }
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.validators.set(key, validate);
    }
    return validate;
  }

  private excerpt(ex: Exchange): string {
    const text = ex.body === undefined ? '(streamed)' : ex.body === null ? '' : ex.body.toString().slice(0, 300);
    return text ? `\n  ${ex.method} ${ex.url} body: ${text}` : '';
  }
}

/** One contract per test file: every app of the file serves the same document, so it is built once. */
let cached: { key: string; contract: ResponseContract } | undefined;

function contractFor(document: OpenAPIObject): ResponseContract {
  const key = JSON.stringify(document);
  if (cached?.key !== key) {
    cached = { key, contract: new ResponseContract(document) };
  }
  return cached.contract;
}

interface Violation {
  requestId: string;
  message: string;
}

/** Answers that broke the contract and that no supertest call has reported yet (Chromium, fetch). */
const unclaimed: Violation[] = [];

/** Checks every answer the app sends; call before app.init() so the hook covers every route. */
export function checkResponsesAgainst(fastify: FastifyInstance, document: OpenAPIObject): void {
  const contract = contractFor(document);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const streamed = typeof (payload as { pipe?: unknown } | undefined)?.pipe === 'function';
    const body = streamed ? undefined : typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : null;
    let message: string | undefined;
    try {
      message = contract.check({
        method: request.method,
        url: request.url,
        route: request.routeOptions.url,
        status: reply.statusCode,
        headers: reply.getHeaders(),
        body,
      });
    } catch (err) {
      message = `${request.method} ${request.url}: the OpenAPI check itself failed: ${(err as Error).message}`;
    }
    if (message) {
      unclaimed.push({ requestId: String(request.id), message });
    }
    done(null, payload);
  });
}

/** For a supertest response: the violation its request caused, taken off the list. */
export function takeViolation(requestId: string | undefined): string | undefined {
  const index = unclaimed.findIndex((v) => v.requestId === requestId);
  return index < 0 ? undefined : unclaimed.splice(index, 1)[0].message;
}

/** Every violation not yet reported, emptied; the setup file fails the running test with them. */
export function drainViolations(): string[] {
  return unclaimed.splice(0).map((v) => v.message);
}
