// The public face of @latchkey/api-keys: what other libs and the apps may use (see test/platform/public-faces).
export { ApiKeysHttpModule, ApiKeysModule } from './api-keys.module';
export { ApiKeysService } from './api-keys.service';
