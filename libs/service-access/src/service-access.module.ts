import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ServiceAuthGuard } from './service-auth.guard';
import { ServiceCredential } from './service-credential.entity';
import { ServiceCredentialsController } from './service-credentials.controller';
import { ServiceCredentialsService } from './service-credentials.service';

/** The host application's credentials and the guard of every service-API route. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ServiceCredential])],
  controllers: [ServiceCredentialsController],
  providers: [ServiceCredentialsService, ServiceAuthGuard],
  exports: [ServiceCredentialsService, ServiceAuthGuard],
})
export class ServiceAccessModule {}
