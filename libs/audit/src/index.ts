// The public face of @latchkey/audit: what other libs and the apps may use (see test/platform/public-faces).
export { AuditAction } from './audit-actions';
export { AuditSink, type RecordedAuditEntry } from './audit-sink';
export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
