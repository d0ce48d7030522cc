import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { Session } from './session.entity';
import { SessionsExportPart } from './sessions-export.part';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session])],
  providers: [SessionsService, SessionsRepository, SessionsExportPart],
  exports: [SessionsService],
})
export class SessionsModule {}

/** The sessions' routes, for the API only. */
@Module({ imports: [SessionsModule], controllers: [SessionsController] })
export class SessionsHttpModule {}
