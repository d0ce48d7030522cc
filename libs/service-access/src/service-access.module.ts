import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ServiceCredential } from './service-credential.entity';
import { ServiceCredentialsController } from './service-credentials.controller';
import { ServiceCredentialsService } from './service-credentials.service';

/**
 * The host application's credentials (global: every service-API route's guard, ServiceAuthGuard,
 * checks them where the route is declared).
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ServiceCredential])],
  providers: [ServiceCredentialsService],
  exports: [ServiceCredentialsService],
})
export class ServiceAccessModule {}

/** The credentials' routes, for the API only. */
@Module({ imports: [ServiceAccessModule], controllers: [ServiceCredentialsController] })
export class ServiceAccessHttpModule {}
