import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuditEntry } from './audit-entry.entity';
import { AuditExportPart } from './audit-export.part';
import { AuditErasure } from './audit-erasure';
import { AuditService } from './audit.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntry])],
  providers: [AuditService, AuditExportPart, AuditErasure],
  exports: [AuditService],
})
export class AuditModule {}
