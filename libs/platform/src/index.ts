// The public face of @latchkey/platform: what other libs and the apps may use (see test/platform/public-faces).
export { DEMO_ACCOUNT_NAME, DEMO_MEMBER_TOTP_SECRET, DEMO_PASSWORD, DEMO_STAFF_TOTP_SECRETS, seedDemo } from './demo-seed';
export { HTTP_MODULES, PlatformModule, type PlatformOptions } from './platform.module';
export { loadConfigOrExit } from './start';
export { startWorkers } from './workers';
