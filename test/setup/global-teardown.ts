import * as fs from 'node:fs';

import { Client } from 'pg';

import { PGLITE_TEMPLATE_ENV, TEST_DATABASE_URL, openApiDocumentFile, runPrefix } from './test-env';

/** Drops this run's databases (never another run's), the PGlite template file and the run's OpenAPI document. */
export default async function globalTeardown() {
  for (const file of [process.env[PGLITE_TEMPLATE_ENV], openApiDocumentFile()]) {
    if (file && fs.existsSync(file)) {
      fs.unlinkSync(file);
    }
  }
  if (TEST_DATABASE_URL) {
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const mine = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${runPrefix()}_%`]);
    for (const row of mine.rows as Array<{ datname: string }>) {
      await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
    await admin.end();
  }
}
