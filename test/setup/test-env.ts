import * as os from 'node:os';
import * as path from 'node:path';

/** What the e2e harness reads from the environment: the real servers when CI gives them. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
/** One id per `npm test` run: its databases are its own, so runs side by side never collide. */
export const RUN_ENV = 'LATCHKEY_E2E_RUN';
export function runPrefix(): string {
  return `latchkey_e2e_${process.env[RUN_ENV] ?? 'x'}`;
}
export function templateDb(): string {
  return `${runPrefix()}_template`;
}
export const PGLITE_TEMPLATE_ENV = 'LATCHKEY_PGLITE_TEMPLATE';
/** The tests' embedded databases are small: a PGlite clears its shared buffers at every start (see DatabaseTarget). */
export const TEST_PGLITE_SHARED_BUFFERS = '16MB';

/** This run's OpenAPI document, built by the first app of the run and read by the others. */
export function openApiDocumentFile(): string {
  return path.join(os.tmpdir(), `${runPrefix()}_openapi.json`);
}

export function serverUrlFor(database: string): string {
  const url = new URL(TEST_DATABASE_URL as string);
  url.pathname = `/${database}`;
  return url.toString();
}
