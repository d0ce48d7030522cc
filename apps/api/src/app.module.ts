import { ProblemFilter, createValidationPipe } from '@latchkey/core';
import { HTTP_MODULES, PlatformModule, PlatformOptions } from '@latchkey/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';

import { HealthController } from './health.controller';

/** The API: the shared platform (settings, database, queue, every domain lib) and the libs' HTTP modules. */
@Module({})
export class AppModule {
  /**
   * Options let tests point one app at its own database and settings; `processJobs` makes it a
   * worker too (`--with-worker`; always so without Redis).
   */
  static forRoot(options: PlatformOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(options), ...HTTP_MODULES],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
