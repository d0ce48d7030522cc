import 'reflect-metadata';

import { ConfigValidationError, loadConfig } from '@latchkey/core';

import { createApp } from './app.factory';
import { AppModule } from './app.module';
import { DEMO_PASSWORD, seedDemo } from './seed/demo-seed';
import { startWorkers } from './workers';

async function main() {
  const args = new Set(process.argv.slice(2));
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(`Latchkey cannot start.\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(AppModule.forRoot({ config }), config);
  await app.listen({ port: config.http.port, host: config.http.host });
  // Without Redis the queue is in-process, so this process must also run the jobs and the relay.
  if (args.has('--with-worker') || !config.redis.url) {
    await startWorkers(app);
  }
  const base = config.http.publicUrl;
  const lines = [
    '',
    `Latchkey is running (${config.db.url ? 'PostgreSQL' : `embedded PGlite in ${config.db.dataDir}`}, ${config.redis.url ? 'bull on Redis' : 'in-process queue'})`,
    `  API:      ${base}/api/v1`,
    `  Docs:     ${base}/api/docs`,
    `  Console:  ${base}/admin`,
    `  Health:   ${base}/health  ${base}/ready`,
    `  Mail:     ${config.mail.smtpUrl ? config.mail.smtpUrl.replace(/\/\/[^@]*@/, '//***@') : `${config.mail.outboxDir}/*.eml`}`,
  ];
  if (args.has('--seed-demo')) {
    const signIns = await seedDemo(app);
    lines.push('', `Demo sign-ins (password for all: ${DEMO_PASSWORD}):`);
    for (const s of signIns) {
      lines.push(`  ${s.email.padEnd(28)} ${s.role}${s.note ? `  ${s.note}` : ''}`);
    }
  }
  console.log(lines.join('\n') + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
