import { ServiceCredentialVerifier } from '@latchkey/core';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ServiceCredential } from './service-credential.entity';
import { ServiceCredentialsController } from './service-credentials.controller';
import { ServiceCredentialsService } from './service-credentials.service';

/**
 * The host application's credentials. Global because it fills the ServiceCredentialVerifier port
 * the one authentication step (auth's global guard) requires: an app without it fails at boot.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ServiceCredential])],
  providers: [ServiceCredentialsService, { provide: ServiceCredentialVerifier, useExisting: ServiceCredentialsService }],
  exports: [ServiceCredentialsService, ServiceCredentialVerifier],
})
export class ServiceAccessModule {}

/** The credentials' routes, for the API only. */
@Module({ imports: [ServiceAccessModule], controllers: [ServiceCredentialsController] })
export class ServiceAccessHttpModule {}
