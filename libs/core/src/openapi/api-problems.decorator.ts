import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger';

import { ProblemDto } from './problem.dto';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; errors[] names each field',
  401: 'No valid session (or credentials)',
  403: 'Not allowed (role, CSRF token, restricted session)',
  404: 'No such resource (or not yours to see)',
  409: 'Conflicts with the current state',
  410: 'Gone: expired or already used',
  413: 'Body too large',
  415: 'Unsupported content type',
  429: 'Too many attempts; see Retry-After',
  503: 'A dependency is unavailable',
};

/** The response object of an error status: problem+json, and Retry-After with 429 and 503. */
export function problemResponse(status: number, description = PROBLEM_DESCRIPTIONS[status] ?? 'Error'): ResponseObject {
  return {
    description,
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
    ...(status === 429 || status === 503
      ? { headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } } } }
      : {}),
  };
}

/** Documents the error statuses a route answers, each as application/problem+json. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(ApiExtraModels(ProblemDto), ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })));
}

/** One error status with a route-specific reason, as application/problem+json. */
export function ApiProblem(status: number, description: string) {
  return applyDecorators(ApiExtraModels(ProblemDto), ApiResponse({ status, ...problemResponse(status, description) }));
}
