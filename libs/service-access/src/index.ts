export * from './service-access.module';
export { ServiceApi, CurrentService, ServiceAuthGuard } from './service-auth.guard';
export type { ServicePrincipal } from './service-credentials.service';
export { SERVICE_SCOPES, type ServiceScope } from './service-scopes';
export * from './service-access.constants';
