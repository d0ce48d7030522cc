import { AccountsModule } from '@latchkey/accounts';
import { AuthModule } from '@latchkey/auth';
import { ApiKeyVerifier } from '@latchkey/core';
import { MfaModule } from '@latchkey/mfa';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ApiKey } from './api-key.entity';
import { ApiKeysErasure } from './api-keys-erasure';
import { ApiKeysExportPart } from './api-keys-export.part';
import { AccountApiKeysController, MyApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/**
 * Personal access tokens. Global because it fills the ApiKeyVerifier port the global guard (in
 * the auth lib) requires: an app without this module fails at boot instead of refusing keys.
 */
@Global()
@Module({
  imports: [AuthModule, MfaModule, AccountsModule, TypeOrmModule.forFeature([ApiKey])],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    ApiKeysExportPart,
    ApiKeysErasure,
    { provide: ApiKeyVerifier, useExisting: ApiKeysService },
  ],
  exports: [ApiKeysService, ApiKeyVerifier],
})
export class ApiKeysModule {}

/** The API keys' routes, for the API only (the account routes' role guard needs accounts, MFA and sessions). */
@Module({
  imports: [ApiKeysModule, AccountsModule, AuthModule, MfaModule],
  controllers: [MyApiKeysController, AccountApiKeysController],
})
export class ApiKeysHttpModule {}
