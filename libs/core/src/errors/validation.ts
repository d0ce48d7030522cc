import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';

import { DomainException, FieldError } from './domain.exception';
import { inputProblems } from './input-safety';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

function invalid(fieldErrors: FieldError[]): DomainException {
  const names = [...new Set(fieldErrors.map((e) => e.field))].join(', ');
  return new DomainException('VALIDATION_FAILED', 'BAD_INPUT', `Invalid field(s): ${names}.`, { errors: fieldErrors });
}

/**
 * Refuses hostile text, deep nesting and undocumented nulls (input-safety.ts) in bodies, queries
 * and parameters before class-validator or the database sees them; then validates as usual.
 */
class SafeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const root = typeof value === 'object' && value !== null ? '' : (metadata.data ?? metadata.type);
      const problems = inputProblems(value, metadata.metatype, root);
      if (problems.length > 0 && metadata.type === 'param') {
        // A path segment that is not valid text names nothing: the same 404 as an unknown id.
        throw new DomainException('NOT_FOUND', 'NOT_FOUND', 'No such resource.');
      }
      if (problems.length > 0) {
        throw invalid(problems);
      }
    }
    return super.transform(value, metadata);
  }
}

/** Global validation: unknown fields are refused, every invalid field is named. */
export function createValidationPipe() {
  return new SafeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors).map((e) =>
        e.message.startsWith('property ') && e.message.endsWith('should not exist')
          ? { field: e.field, message: 'is not an allowed field' }
          : e,
      );
      return invalid(fieldErrors);
    },
  });
}
