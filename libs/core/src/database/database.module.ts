import { DynamicModule, Global, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseTarget, dataSourceOptions, databaseTarget } from './data-source-options';
import { ChangeFeed } from './change-feed';
import { DATABASE_TARGET } from './database.tokens';
import { runMigrations } from './migrate';

@Global()
@Module({})
export class DatabaseModule implements OnModuleInit {
  private readonly logger = new Logger(DatabaseModule.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `target` overrides where the database is (tests clone one per file). */
  static forRoot(target?: DatabaseTarget): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(target ?? databaseTarget(config)),
            autoLoadEntities: true,
            retryAttempts: config.env === 'test' ? 0 : 3,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [
        { provide: DATABASE_TARGET, inject: [APP_CONFIG], useFactory: (config: AppConfig) => target ?? databaseTarget(config) },
        ChangeFeed,
      ],
      exports: [DATABASE_TARGET, ChangeFeed],
    };
  }

  /** Pending migrations are applied at start; under an advisory lock, so N instances can start together. */
  async onModuleInit() {
    const applied = await runMigrations(this.dataSource);
    if (applied.length > 0 && this.config.env !== 'test') {
      this.logger.log(`Applied migrations: ${applied.join(', ')}`);
    }
  }
}
