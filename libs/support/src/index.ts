// The public face of @latchkey/support: what other libs and the apps may use (see test/platform/public-faces).
export { seedDemoTickets } from './support-demo';
export { SupportHttpModule, SupportModule } from './support.module';
