// The public face of @latchkey/support: what other libs and the apps may use (see test/platform/public-faces).
export { seedDemoTickets } from './support-demo';
export { SupportModule } from './support.module';
