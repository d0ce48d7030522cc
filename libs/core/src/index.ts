// The public face of @latchkey/core, the shared kernel: settings, database, HTTP principal and
// guards' decorators, errors, ports (queue, rate limits, SMS, erasure and export registries) and
// small helpers every lib uses. Named, not `export *` (see test/platform/public-faces).
export { Clock, FakeClock } from './clock';
export {
  APP_CONFIG,
  ConfigValidationError,
  EnvironmentVariables,
  isLoopbackUrl,
  loadConfig,
  type AppConfig,
  type IdentityProviderSettings,
} from './config';
export { requestContext } from './context';
export { AccountMemberships } from './directory';
export { CoreModule, type CoreOptions } from './core.module';
export { PasswordHasher, SecretBox, constantTimeEqual, hashToken, randomDigits, randomToken } from './crypto';
export {
  DataExportParts,
  OneTableExportPart,
  countRows,
  isoTime,
  keysetRows,
  newestFirst,
  type DataExportPart,
  type DataExportSink,
} from './data-export';
export {
  ChangeFeed,
  FactOf,
  SqlBatch,
  SqlFacts,
  UserScopedCache,
  dataSourceOptions,
  databaseTarget,
  isUniqueViolation,
  migrations,
  returningRows,
  runMigrations,
  type DatabaseTarget,
  type SqlStatement,
} from './database';
export {
  DomainException,
  MultiLine,
  ProblemFilter,
  coreError,
  createValidationPipe,
  exceptionFactory,
  type ErrorCategory,
  type FieldError,
} from './errors';
export {
  ALLOW_RESTRICTED,
  API_KEY_ACCESS,
  API_KEY_PREFIX,
  AllowRestricted,
  ApiKeyAccess,
  ApiKeyVerifier,
  CurrentUser,
  IS_PUBLIC,
  PageQueryDto,
  Public,
  SERVICE_SCOPES_METADATA,
  SERVICE_TOKEN_PREFIX,
  ServiceCredentialVerifier,
  SessionOnly,
  StaffGate,
  UuidPipe,
  decodeCursor,
  decodeKeyCursor,
  decodeKeysetCursor,
  describeClient,
  encodeCursor,
  encodeKeyCursor,
  principalOf,
  sessionIdOf,
  toPage,
  type ApiKeyPrincipal,
  type ApiKeyScope,
  type ClientInfo,
  type CursorKeyKind,
  type KeysetCursor,
  type Page,
  type Principal,
  type ServicePrincipal,
  type SessionPrincipal,
  type SessionRestriction,
  type StaffRole,
  type UserPrincipal,
  type TimeCursor,
  type ApiKeyGrant,
} from './http';
export { BackgroundTasks, Lifecycle } from './lifecycle';
export { LINK_KINDS, LINK_KIND_NAMES, Links, type LinkKind, type TokenLinkKind } from './links';
export { PinoLoggerService, createPino } from './logging';
export { Metrics, serveMetrics } from './metrics';
export { ApiOptionalSession, ApiProblem, ApiProblems, ApiServiceToken, buildOpenApiDocument, lintOpenApiDocument } from './openapi';
export { PersonalDataErasure, quotePatterns, scrubJson, type ErasableUser, type ErasurePart, type ErasureSubject } from './privacy';
export {
  JobProcessors,
  JobQueueModule,
  QueueDriver,
  type BulkJob,
  type JobOptions,
  type JobQueueDefinition,
  type JobQueueMode,
} from './queue';
export { MailCaps, RateLimitStore, type Counter, type GatesPassed, type RateGate } from './rate-limit';
export { SmsGateway, maskPhone } from './sms';
