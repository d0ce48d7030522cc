import 'reflect-metadata';

import { Metrics, PinoLoggerService, createPino, serveMetrics } from '@latchkey/core';
import { loadConfigOrExit, startWorkers } from '@latchkey/platform';
import { NestFactory } from '@nestjs/core';

import { WorkerModule } from './worker.module';

async function main() {
  const config = loadConfigOrExit('Latchkey worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config }), {
    logger: new PinoLoggerService(createPino(config.logLevel)),
  });
  app.enableShutdownHooks();
  await startWorkers(app);
  if (config.metrics.port) {
    const server = await serveMetrics(app.get(Metrics), config.metrics.port, config.http.host);
    process.once('SIGTERM', () => server.close());
  }
  console.log(
    `Latchkey worker running (${config.redis.url ? 'bull on Redis' : 'in-process queue: each worker relays and delivers its own share of the outbox'})`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
