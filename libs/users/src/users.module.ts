import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ConsentRecord } from './privacy/consent-record.entity';
import { ConsentService } from './privacy/consent.service';
import { PrivacyController } from './privacy/privacy.controller';
import { UserAvatar } from './user-avatar.entity';
import { UserToken } from './user-token.entity';
import { User } from './user.entity';
import { UserTokensService } from './user-tokens.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, UserToken, UserAvatar, ConsentRecord])],
  controllers: [UsersController, PrivacyController],
  providers: [UsersService, UsersRepository, UserTokensService, ConsentService],
  exports: [UsersService, UsersRepository, UserTokensService, ConsentService],
})
export class UsersModule {}
