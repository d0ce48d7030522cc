import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuditEntry } from './audit-entry.entity';
import { AuditExportPart } from './audit-export.part';
import { AuditService } from './audit.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntry])],
  providers: [AuditService, AuditExportPart],
  exports: [AuditService],
})
export class AuditModule {}
