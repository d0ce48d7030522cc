/** What the e2e harness reads from the environment: the real servers when CI gives them. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
export const TEMPLATE_DB = 'latchkey_e2e_template';
export const PGLITE_TEMPLATE_ENV = 'LATCHKEY_PGLITE_TEMPLATE';

export function serverUrlFor(database: string): string {
  const url = new URL(TEST_DATABASE_URL as string);
  url.pathname = `/${database}`;
  return url.toString();
}
