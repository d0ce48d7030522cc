export type ErrorCategory =
  | 'BAD_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one exception type services throw. Each lib declares its codes and their categories in
 * `<domain>.exception.ts`; the global filter turns the category into an HTTP status. Services
 * never import HttpException.
 */
export class DomainException extends Error {
  constructor(
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; data?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'DomainException';
  }
}

/** Builds a typed throw helper for a lib from its code table. */
export function exceptionFactory<C extends string>(table: Record<C, ErrorCategory>) {
  return (code: C, message: string, extra?: DomainException['extra']) => new DomainException(code, table[code], message, extra);
}

export const CoreErrorCode = {
  VALIDATION_FAILED: 'BAD_INPUT',
  MALFORMED_BODY: 'BAD_INPUT',
  BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAVAILABLE: 'UNAVAILABLE',
} as const satisfies Record<string, ErrorCategory>;

export const coreError = exceptionFactory(CoreErrorCode);
