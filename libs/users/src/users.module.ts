import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ConsentModule } from './privacy/consent.module';
import { UserViewsModule } from './views/user-views.module';
import { ConsentRecord } from './privacy/consent-record.entity';
import { ConsentService } from './privacy/consent.service';
import { ConsentExportPart } from './privacy/consent-export.part';
import { PrivacyController, ServiceConsentController } from './privacy/privacy.controller';
import { UserAvatar } from './user-avatar.entity';
import { UserToken } from './user-token.entity';
import { User } from './user.entity';
import { UserTokensService } from './user-tokens.service';
import { PreferencesExportPart, ProfileExportPart } from './users-export.part';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [ConsentModule, UserViewsModule, TypeOrmModule.forFeature([User, UserToken, UserAvatar, ConsentRecord])],
  providers: [
    UsersService,
    UsersRepository,
    UserTokensService,
    ConsentService,
    ProfileExportPart,
    PreferencesExportPart,
    ConsentExportPart,
  ],
  // UsersRepository: for UsersHttpModule's routes (the privacy controller), not another lib's (the face leaves it out).
  exports: [UsersService, UserTokensService, ConsentService, UsersRepository],
})
export class UsersModule {}

/** The users' routes, for the API only (the worker loads UsersModule without them). */
@Module({
  imports: [UsersModule],
  controllers: [UsersController, PrivacyController, ServiceConsentController],
})
export class UsersHttpModule {}
