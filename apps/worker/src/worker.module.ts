import { CoreOptions } from '@latchkey/core';
import { PlatformModule } from '@latchkey/platform';
import { DynamicModule, Module } from '@nestjs/common';

/**
 * The queue side only: no HTTP server. Several workers share the queues and the outbox. It loads
 * every domain lib, as the API does (PlatformModule), because data exports write each lib's part
 * and the deletion sweep erases each lib's data.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: CoreOptions = {}): DynamicModule {
    return { module: WorkerModule, imports: [PlatformModule.forRoot({ ...options, processJobs: true })] };
  }
}
