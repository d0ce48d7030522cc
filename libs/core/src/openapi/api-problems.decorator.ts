import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';

import { ProblemDto } from './problem.dto';

const DESCRIPTIONS: Record<number, string> = {
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

/** Documents the error statuses a route answers, each as application/problem+json. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
