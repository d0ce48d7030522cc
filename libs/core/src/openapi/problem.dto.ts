import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'email', description: 'The invalid field (dotted path for nested fields)' }) field: string;
  @ApiProperty({ example: 'must be an email address' }) message: string;
}

/** RFC 9457 problem details, as every error of the API is sent (application/problem+json). */
export class ProblemDto {
  @ApiProperty({ example: 'https://latchkey.dev/problems/validation-failed' }) type: string;
  @ApiProperty({ example: 'Bad Request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'Invalid field(s): email.' }) detail: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable code' }) code: string;
  @ApiProperty({ description: 'Also in the X-Request-Id header; quote it to support' }) requestId: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'One entry per invalid field' }) errors?: FieldErrorDto[];
  @ApiPropertyOptional({ description: 'With 429: seconds to wait (also the Retry-After header)' }) retryAfter?: number;
}
