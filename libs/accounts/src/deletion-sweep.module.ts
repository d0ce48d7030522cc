import { SessionsModule } from '@latchkey/sessions';
import { UsersModule } from '@latchkey/users';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AccountsRepository } from './accounts.repository';
import { DeletionSweep } from './deletion-sweep';
import { Account, Invitation, Membership } from './entities';

/** What the worker needs to erase users, without the HTTP side of accounts (and of auth, which it would drag in). */
@Module({
  imports: [SessionsModule, UsersModule, TypeOrmModule.forFeature([Account, Membership, Invitation])],
  providers: [AccountsRepository, DeletionSweep],
  exports: [DeletionSweep],
})
export class DeletionSweepModule {}
