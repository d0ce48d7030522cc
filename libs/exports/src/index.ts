// The public face of @latchkey/exports: what other libs and the apps may use (see test/platform/public-faces).
export { ExportRunner } from './export-runner';
export { EXPORTS_JOB_QUEUE, ExportsHttpModule, ExportsModule } from './exports.module';
