// The public face of @latchkey/webhooks: what other libs and the apps may use (see test/platform/public-faces).
export { WebhooksApiModule, WebhooksModule } from './webhooks.module';
