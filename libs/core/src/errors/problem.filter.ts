import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainException, ErrorCategory, FieldError } from './domain.exception';

const STATUS: Record<ErrorCategory, number> = {
  BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

/** Fastify's own errors (body parsing, limits) carry a code and a statusCode. */
function fromFastifyError(err: { code?: string; statusCode?: number; message: string }): DomainException | undefined {
  switch (err.code ?? '') {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainException('BODY_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainException('UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_MEDIA', 'Send application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainException('MALFORMED_BODY', 'BAD_INPUT', 'The request body is empty or malformed.', {
        errors: [{ field: 'body', message: 'is not valid JSON' }],
      });
    default:
      if (err instanceof SyntaxError || err.statusCode === 400) {
        return new DomainException('MALFORMED_BODY', 'BAD_INPUT', 'The request body is not valid JSON.', {
          errors: [{ field: 'body', message: 'is not valid JSON' }],
        });
      }
      if (err.statusCode === 413) {
        return new DomainException('BODY_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
      }
      return undefined;
  }
}

/**
 * PostgreSQL connection classes (08, 57P01-57P03, and 53300 "too many clients", met while every
 * instance reconnects after a restart), socket and name errors and the pool's own "not queryable"
 * errors, also when wrapped (TypeORM's driverError, `cause`, an AggregateError of connection
 * attempts): the database is away, not the request wrong.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  const e = err as { code?: string; driverError?: unknown; cause?: unknown; errors?: unknown[]; message?: string } | undefined;
  if (!e || typeof e !== 'object' || depth > 4) {
    return false;
  }
  const code = typeof e.code === 'string' ? e.code : '';
  return (
    /^08|^57P0[1-3]$|^53300$/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code) ||
    /Connection terminated|terminating connection|Connection is closed|timeout exceeded when trying to connect|not queryable|database system is (starting up|shutting down|in recovery)/i.test(
      e.message ?? '',
    ) ||
    [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])].some((inner) => isDatabaseUnavailable(inner, depth + 1))
  );
}

/**
 * The one error filter: domain exceptions by category, Nest's HTTP exceptions by status, and
 * anything else as a generic 500 that is logged with the request id and never leaks detail.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception, String(request?.id ?? ''));
    if ((problem.status === 429 || problem.status === 503) && typeof problem.retryAfter === 'number') {
      void reply.header('Retry-After', String(problem.retryAfter));
    }
    void reply.status(problem.status).header('Content-Type', 'application/problem+json; charset=utf-8').send(problem);
  }

  toProblem(exception: unknown, requestId: string): Problem {
    let domain = exception instanceof DomainException ? exception : undefined;
    if (!domain && exception && typeof exception === 'object' && !(exception instanceof HttpException)) {
      domain = fromFastifyError(exception as { code?: string; statusCode?: number; message: string });
    }
    if (domain) {
      const status = STATUS[domain.category];
      return {
        type: `https://latchkey.dev/problems/${domain.code.toLowerCase().replace(/_/g, '-')}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: domain.message,
        code: domain.code,
        requestId,
        ...(domain.extra.errors ? { errors: domain.extra.errors } : {}),
        ...(domain.extra.retryAfterSeconds !== undefined ? { retryAfter: domain.extra.retryAfterSeconds } : {}),
        ...(domain.extra.data ?? {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest wraps Fastify's body-parser failures in plain HttpExceptions: give them their codes.
      if (status === 400 || status === 413 || status === 415) {
        return this.toProblem(
          fromFastifyError({
            statusCode: status,
            code: status === 415 ? 'FST_ERR_CTP_INVALID_MEDIA_TYPE' : undefined,
            message: exception.message,
          }),
          requestId,
        );
      }
      const code = status === HttpStatus.NOT_FOUND ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : `HTTP_${status}`;
      return {
        type: 'about:blank',
        title: TITLES[status] ?? 'Error',
        status,
        detail: status === HttpStatus.NOT_FOUND ? 'No such resource.' : exception.message,
        code,
        requestId,
      };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ requestId, err: (exception as Error).message }, 'Database unavailable');
      return {
        type: 'https://latchkey.dev/problems/unavailable',
        title: TITLES[503],
        status: 503,
        detail: 'The service is briefly unavailable. Try again in a few seconds.',
        code: 'UNAVAILABLE',
        requestId,
        retryAfter: 5,
      };
    }
    this.logger.error(
      {
        err: exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : exception,
        requestId,
      },
      'Unhandled error',
    );
    return {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side. Quote the request id if you contact support.',
      code: 'INTERNAL',
      requestId,
    };
  }
}
