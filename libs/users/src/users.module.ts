import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { UserAvatar } from './user-avatar.entity';
import { UserToken } from './user-token.entity';
import { User } from './user.entity';
import { UserTokensService } from './user-tokens.service';
import { PreferencesExportPart, ProfileExportPart } from './users-export.part';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, UserToken, UserAvatar])],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, UserTokensService, ProfileExportPart, PreferencesExportPart],
  exports: [UsersService, UsersRepository, UserTokensService],
})
export class UsersModule {}
