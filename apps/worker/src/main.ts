import 'reflect-metadata';

import { ConfigValidationError, Metrics, PinoLoggerService, createPino, loadConfig, serveMetrics } from '@latchkey/core';
import { NestFactory } from '@nestjs/core';

import { startWorkers } from '../../api/src/workers';
import { WorkerModule } from './worker.module';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(`Latchkey worker cannot start.\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }
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
