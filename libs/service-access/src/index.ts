// The public face of @latchkey/service-access: what other libs and the apps may use (see test/platform/public-faces).
export { ServiceAccessHttpModule, ServiceAccessModule } from './service-access.module';
export { CurrentService, ServiceApi } from './service-api.decorator';
