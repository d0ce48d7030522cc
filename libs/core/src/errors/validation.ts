import { ValidationError, ValidationPipe } from '@nestjs/common';

import { DomainException, FieldError } from './domain.exception';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Global validation: unknown fields are refused, every invalid field is named. */
export function createValidationPipe() {
  return new ValidationPipe({
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
      const names = [...new Set(fieldErrors.map((e) => e.field))].join(', ');
      return new DomainException('VALIDATION_FAILED', 'BAD_INPUT', `Invalid field(s): ${names}.`, { errors: fieldErrors });
    },
  });
}
