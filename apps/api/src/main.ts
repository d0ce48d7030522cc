import 'reflect-metadata';

import { Lifecycle, Metrics, serveMetrics } from '@latchkey/core';
import { DEMO_PASSWORD, loadConfigOrExit, seedDemo, startWorkers } from '@latchkey/platform';
import { Logger } from '@nestjs/common';

import { createApp } from './app.factory';
import { AppModule } from './app.module';

async function main() {
  const args = new Set(process.argv.slice(2));
  const config = loadConfigOrExit('Latchkey');
  // Without Redis the queue is in-process, so this process must also run the jobs and the relay.
  const withWorker = args.has('--with-worker') || !config.redis.url;
  const app = await createApp(AppModule.forRoot({ config, processJobs: withWorker }), config);
  await app.listen({ port: config.http.port, host: config.http.host });
  const metricsServer = config.metrics.port ? await serveMetrics(app.get(Metrics), config.metrics.port, config.http.host) : undefined;
  // SIGTERM: /ready turns 503 at once, requests are still served for SHUTDOWN_DRAIN_MS so the load
  // balancer can take this instance out, then the listener closes and in-flight requests finish.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    const logger = new Logger('Shutdown');
    app.get(Lifecycle).draining = true;
    logger.log(`${signal}: draining for ${config.http.shutdownDrainMs} ms, then closing`);
    setTimeout(() => {
      metricsServer?.close();
      app.close().then(
        () => process.exit(0),
        (err: Error) => {
          logger.error(`Shutdown failed: ${err.message}`);
          process.exit(1);
        },
      );
    }, config.http.shutdownDrainMs);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (withWorker) {
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
