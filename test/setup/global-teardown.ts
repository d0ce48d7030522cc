import * as fs from 'node:fs';

import { PGLITE_TEMPLATE_ENV } from './test-env';

export default async function globalTeardown() {
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (file && fs.existsSync(file)) {
    fs.unlinkSync(file);
  }
}
