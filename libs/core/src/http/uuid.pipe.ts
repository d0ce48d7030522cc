import { Injectable, PipeTransform } from '@nestjs/common';

import { DomainException } from '../errors/domain.exception';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID is a 400 naming the parameter, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new DomainException('VALIDATION_FAILED', 'BAD_INPUT', `Invalid field(s): ${this.field}.`, {
        errors: [{ field: this.field, message: 'must be a UUID' }],
      });
    }
    return value.toLowerCase();
  }
}
